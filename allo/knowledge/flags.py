"""Procedure flags (« signaler une difficulté »): an adviser says a sheet or a procedure causes trouble; ops read
them grouped by sheet (or procedure) with counts, and mark each seen or passed on. Every change is audited
(`knowledge.flag.raise`, `knowledge.flag.status`) in the same transaction as the change."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.audit.record import Actor, audit
from allo.db.desk_models import FlagStatus, ProcedureFlag
from allo.db.knowledge_models import KbSheet
from allo.errors import AlloError
from routing.calendar_types import PARIS

TEXT_MIN, TEXT_MAX = 3, 1000
PROCEDURE_MAX = 200
SHEET_ID_MAX, CALL_ID_MAX = 32, 64  # the columns
LISTED = 2000  # newest flags read for the ops page; older ones stay in the table and in no group


class FlagRefused(AlloError):
    """A flag that cannot be saved; the message is French, for the person who typed it."""


@dataclass(frozen=True)
class FlagIn:
    text: str
    sheet_id: str | None = None
    procedure: str | None = None
    call_id: str | None = None


@dataclass(frozen=True)
class Flag:
    id: int
    sheet_id: str | None
    procedure: str | None
    text: str
    author: str
    call_id: str | None
    status: FlagStatus
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


@dataclass
class FlagGroup:
    """The flags of one sheet (with its title) or of one procedure, newest first."""

    sheet_id: str | None
    procedure: str | None
    title: str
    flags: list[Flag] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.flags)

    @property
    def new(self) -> int:
        return sum(1 for f in self.flags if f.status is FlagStatus.NEW)


def checked(flag: FlagIn) -> FlagIn:
    """The flag with its texts trimmed, or FlagRefused (pure)."""
    text = flag.text.strip()
    sheet = (flag.sheet_id or "").strip() or None
    procedure = " ".join((flag.procedure or "").split()) or None
    if sheet is None and procedure is None:
        raise FlagRefused("Indiquez la fiche ou la démarche concernée.")
    if procedure is not None and len(procedure) > PROCEDURE_MAX:
        raise FlagRefused(f"Le nom de la démarche ne doit pas dépasser {PROCEDURE_MAX} caractères.")
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise FlagRefused(f"Décrivez la difficulté en {TEXT_MIN} à {TEXT_MAX} caractères.")
    if sheet is not None and len(sheet) > SHEET_ID_MAX:
        raise FlagRefused(f"La fiche {sheet[:SHEET_ID_MAX]}… n'existe pas dans la base de connaissances.")
    call_id = (flag.call_id or "").strip() or None
    if call_id is not None and len(call_id) > CALL_ID_MAX:
        raise FlagRefused("Cet identifiant d'appel est trop long.")
    return FlagIn(text, sheet, procedure, call_id)


def _flag(row: ProcedureFlag) -> Flag:
    return Flag(row.id, row.sheet_id, row.procedure, row.text, row.author, row.call_id, FlagStatus(row.status),
                row.created_at, row.updated_at, row.updated_by)


async def raise_flag(engine: AsyncEngine, who: Actor, flag: FlagIn) -> Flag:
    flag = checked(flag)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        if flag.sheet_id is not None and await session.get(KbSheet, flag.sheet_id) is None:
            raise FlagRefused(f"La fiche {flag.sheet_id} n'existe pas dans la base de connaissances.")
        row = ProcedureFlag(sheet_id=flag.sheet_id, procedure=flag.procedure, text=flag.text, author=who.username,
                            call_id=flag.call_id)
        session.add(row)
        await session.flush()
        audit(session, who, "knowledge.flag.raise", str(row.id), sheet_id=flag.sheet_id, procedure=flag.procedure)
        await session.commit()
        await session.refresh(row)
        return _flag(row)


async def set_status(engine: AsyncEngine, who: Actor, flag_id: int, status: FlagStatus) -> Flag | None:
    """None: no such flag."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        row = await session.get(ProcedureFlag, flag_id, with_for_update=True)
        if row is None:
            return None
        before = row.status
        row.status, row.updated_at, row.updated_by = status.value, datetime.now(UTC), who.username
        audit(session, who, "knowledge.flag.status", str(flag_id), before=before, after=status.value)
        await session.commit()
        return _flag(row)


async def flag_groups(engine: AsyncEngine, status: FlagStatus | None = None) -> list[FlagGroup]:
    """Groups by sheet or procedure, the group with the newest flag first; each group's flags newest first."""
    query = (select(ProcedureFlag, KbSheet.title).outerjoin(KbSheet, KbSheet.id == ProcedureFlag.sheet_id)
             .order_by(ProcedureFlag.created_at.desc(), ProcedureFlag.id.desc()).limit(LISTED))
    if status is not None:
        query = query.where(ProcedureFlag.status == status.value)
    async with AsyncSession(engine) as session:
        rows = (await session.execute(query)).all()
    groups: dict[tuple[str | None, str | None], FlagGroup] = {}
    for row, title in rows:
        key = (row.sheet_id, None) if row.sheet_id is not None else (None, (row.procedure or "").casefold())
        group = groups.get(key)
        if group is None:
            group = groups[key] = FlagGroup(row.sheet_id, row.procedure if row.sheet_id is None else None,
                                            title or row.sheet_id or row.procedure or "")
        group.flags.append(_flag(row))
    return list(groups.values())


CSV_HEADER = ("id", "sheet_id", "sheet_title", "procedure", "status", "author", "call_id", "created_at",
              "updated_at", "updated_by", "text")


def flags_csv(groups: Sequence[FlagGroup]) -> str:
    """RFC 4180, UTF-8, a header row; one row per flag, times in Paris."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group in groups:
        for f in group.flags:
            writer.writerow([f.id, f.sheet_id or "", group.title if f.sheet_id else "", f.procedure or "",
                             f.status.value, f.author, f.call_id or "", f.created_at.astimezone(PARIS).isoformat(),
                             f.updated_at.astimezone(PARIS).isoformat(), f.updated_by or "", f.text])
    return out.getvalue()
