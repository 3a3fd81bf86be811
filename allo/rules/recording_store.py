"""Uploaded prompt recordings in PostgreSQL, and the ones the published rules play."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.admin_models import PromptRecording
from allo.db.rules_models import Prompt


async def store_recording(session: AsyncSession, prompt: str, wav: bytes, uploaded_by: str) -> PromptRecording:
    row = PromptRecording(prompt=prompt, sha256=hashlib.sha256(wav).hexdigest(), audio=wav, uploaded_by=uploaded_by)
    session.add(row)
    await session.flush()
    return row


async def published_uploads(session: AsyncSession) -> dict[str, bytes]:
    """Prompt name -> WAV of every recording the live rules play (prompts.recording_id)."""
    rows = await session.execute(select(Prompt.name, PromptRecording.audio)
                                 .join(PromptRecording, PromptRecording.id == Prompt.recording_id))
    return {name: audio for name, audio in rows.all()}
