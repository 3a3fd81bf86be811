"""`import_sheets`: an archive of answer sheets → `kb_sheets`, in one transaction (the caller's).

Rows are keyed by the sheet id and compared by `source_hash`: an unchanged sheet is not written. A full snapshot
retires the sheets it lacks (kept readable; one that comes back is restored); a partial one never retires. A file
that cannot be parsed stops everything before the first write, unless `skip_bad`, which imports the rest.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import String, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import KbImport, KbSheet
from allo.knowledge.parse import parse_sheet
from allo.knowledge.sheet import Sheet, SheetError
from allo.knowledge.sources import open_archive

CHUNK = 500  # rows per INSERT: ~20 columns each, well under PostgreSQL's 32,767 parameters
MISSING_LINKS_LISTED = 20
T = TypeVar("T")


@dataclass
class ImportReport:
    source: str
    partial: bool
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0  # retired sheets back in the snapshot
    retired: int = 0
    ignored: int = 0  # files of the archive that are not sheets
    skipped: list[dict[str, Any]] = field(default_factory=list)  # [{file, line, error}]
    unknown: Counter[str] = field(default_factory=Counter)
    missing_links: list[tuple[str, str]] = field(default_factory=list)  # (sheet, absent target)

    def counts(self) -> dict[str, Any]:
        return {"files": self.files, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "restored": self.restored, "retired": self.retired, "skipped": len(self.skipped),
                "ignored": self.ignored, "missing_links": len(self.missing_links),
                "unknown_elements": dict(sorted(self.unknown.items()))}

    def warnings(self) -> list[str]:
        listed = [f"{sheet}: link to {target}, absent" for sheet, target in
                  self.missing_links[:MISSING_LINKS_LISTED]]
        more = len(self.missing_links) - len(listed)
        return listed + ([f"... and {more} more links to absent sheets"] if more > 0 else [])


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _progress(items: Iterable[T], total: int, show: bool | None) -> Iterable[T]:
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        return items
    from tqdm import tqdm

    bar: Iterable[T] = tqdm(items, total=total, unit="fiche", file=sys.stderr, desc="fiches")
    return bar


def parse_archive(path: Path, report: ImportReport, *, skip_bad: bool,
                  progress: bool | None = None) -> list[Sheet]:
    """Every sheet of the archive, parsed; a bad file raises `SheetError` unless `skip_bad` (then it is listed)."""
    archive = open_archive(path)
    report.ignored = archive.ignored
    report.files = len(archive.names)
    sheets = []
    for name, data in _progress(archive.read(), len(archive.names), progress):
        try:
            sheet = parse_sheet(data, name)
        except SheetError as exc:
            if not skip_bad:
                raise
            report.skipped.append({"file": exc.name, "line": exc.line, "error": exc.message})
            continue
        report.unknown.update(sheet.unknown_elements)
        sheets.append(sheet)
    return sheets


async def import_sheets(session: AsyncSession, path: Path, *, partial: bool = False, skip_bad: bool = False,
                        progress: bool | None = None, now: datetime | None = None) -> ImportReport:
    """Import the archive at `path` in the session's transaction (the caller commits) and record the run."""
    started = now or datetime.now(UTC)
    report = ImportReport(source=path.name, partial=partial)
    sheets = parse_archive(path, report, skip_bad=skip_bad, progress=progress)
    known = {row.id: (row.source_hash, row.retired_at) for row in
             (await session.execute(select(KbSheet.id, KbSheet.source_hash, KbSheet.retired_at))).all()}
    writes: list[dict[str, Any]] = []
    for sheet in sheets:
        row = sheet.row()
        before = known.get(sheet.id)
        if before is None:
            report.added += 1
        elif before[0] != row["source_hash"]:
            report.updated += 1
        elif before[1] is not None:
            report.restored += 1
        else:
            report.unchanged += 1
            continue
        writes.append(row)
    await _upsert(session, writes)
    if writes:
        # Fresh statistics for the planner: without them a search after a first big import scans the whole table
        # instead of using the full-text and trigram indexes (seen: 100 ms instead of a few).
        await session.execute(text("ANALYZE kb_sheets"))
    present = {s.id for s in sheets}
    if not partial:
        # A skipped file's sheet is still in the archive: it keeps its last good version.
        kept = present | {str(s["file"]).removesuffix(".xml") for s in report.skipped}
        report.retired = await _retire(session, kept, started)
        alive = kept
    else:
        alive = present | {i for i, (_, retired) in known.items() if retired is None}
    report.missing_links = [(s.id, target) for s in sheets for target in s.links if target not in alive]
    session.add(KbImport(dataset="knowledge", source=report.source, partial=partial, started_at=started,
                         finished_at=datetime.now(UTC), counts=report.counts(), skipped=report.skipped,
                         warnings=report.warnings()))
    await session.flush()
    return report


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = insert(KbSheet)
    columns = {name: statement.excluded[name] for name in rows[0] if name != "id"}
    upsert = statement.on_conflict_do_update(index_elements=[KbSheet.id],
                                             set_={**columns, "updated_at": text("now()"), "retired_at": None})
    # executemany: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues"), CHUNK rows per statement.
    for chunk in _chunks(rows, CHUNK):
        await session.execute(upsert, chunk)


async def _retire(session: AsyncSession, kept: set[str], at: datetime) -> int:
    absent = text("NOT (kb_sheets.id = ANY(:kept))").bindparams(bindparam("kept", type_=ARRAY(String)))
    statement = update(KbSheet).where(KbSheet.retired_at.is_(None), absent).values(retired_at=at)
    result = await session.execute(statement, {"kept": sorted(kept)})
    return int(result.rowcount)  # type: ignore[attr-defined]
