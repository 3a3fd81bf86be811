"""Notes saved as typed (docs/desk.md): one note per call and author, created on the first save and updated as
the adviser types (`updated_at`). It is a `call_notes` row like the API's, so level 2 and the lookup read it.

The desk's note of an author is their row of the call with `updated_at` set (a note added with
`POST /api/calls/{id}/notes` stays a note of its own). Saving an empty text deletes the desk's note: a note cleared
by its author is no longer shown to level 2. Two tabs saving at once are serialised by a transaction lock.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.models import CallNote
from allo.desk.context import read_notes
from allo.desk.pop import Note

MAX_NOTE = 4000


async def save_desk_note(engine: AsyncEngine, call_id: str, author: str, text: str) -> tuple[Note | None, list[Note]]:
    """(the author's desk note, None once cleared; every note of the call afterwards)."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"desk-note:{call_id}:{author}"))))
        row = await session.scalar(select(CallNote).where(CallNote.call_id == call_id, CallNote.author == author,
                                                          CallNote.updated_at.is_not(None))
                                   .order_by(CallNote.id.desc()).limit(1))
        now = datetime.now(UTC)
        if not text.strip():
            if row is not None:
                await session.execute(delete(CallNote).where(CallNote.id == row.id))
            mine = None
        elif row is None:
            row = CallNote(call_id=call_id, author=author, text=text, created_at=now, updated_at=now)
            session.add(row)
        else:
            row.text, row.updated_at = text, now
        await session.flush()
        notes = await read_notes(session, call_id)
    if text.strip():
        assert row is not None
        mine = next(note for note in notes if note.id == row.id)
    return mine, notes
