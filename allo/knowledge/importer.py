"""`import_sheets`: an archive of answer sheets → `kb_sheets`, in one transaction (the caller's).

Rows are keyed by the sheet id and compared by `source_hash`: an unchanged sheet is not written. A full snapshot
retires the sheets it lacks (kept readable; one that comes back is restored); a partial one never retires. A file
that cannot be parsed stops the import, and the caller's transaction rolls back what was written, unless
`skip_bad`, which imports the rest.
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
    duplicates: list[str] = field(default_factory=list)  # files whose sheet id came earlier in the archive

    def counts(self) -> dict[str, Any]:
        return {"files": self.files, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "restored": self.restored, "retired": self.retired, "skipped": len(self.skipped),
                "ignored": self.ignored, "missing_links": len(self.missing_links),
                "duplicates": len(self.duplicates),
                "unknown_elements": dict(sorted(self.unknown.items()))}

    def warnings(self) -> list[str]:
        listed = [f"{sheet}: link to {target}, absent" for sheet, target in
                  self.missing_links[:MISSING_LINKS_LISTED]]
        more = len(self.missing_links) - len(listed)
        duplicates = [f"{name}: same sheet id as an earlier file, ignored" for name in self.duplicates]
        return duplicates + listed + ([f"... and {more} more links to absent sheets"] if more > 0 else [])


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


async def import_sheets(session: AsyncSession, path: Path, *, partial: bool = False, skip_bad: bool = False,
                        progress: bool | None = None, now: datetime | None = None) -> ImportReport:
    """Import the archive at `path` in the session's transaction (the caller commits) and record the run.

    Files are parsed and written CHUNK at a time, so memory holds one chunk of documents, not the archive. A bad
    file raises `SheetError` (unless `skip_bad`) after earlier chunks were written: the caller's transaction rolls
    them back, so nothing changes.
    """
    started = now or datetime.now(UTC)
    report = ImportReport(source=path.name, partial=partial)
    archive = open_archive(path)
    report.ignored, report.files = archive.ignored, len(archive.names)
    known = {row.id: (row.source_hash, row.retired_at) for row in
             (await session.execute(select(KbSheet.id, KbSheet.source_hash, KbSheet.retired_at))).all()}
    present: set[str] = set()
    links: list[tuple[str, str]] = []
    batch: list[dict[str, Any]] = []
    wrote = False
    for name, data in _progress(archive.read(), len(archive.names), progress):
        try:
            sheet = parse_sheet(data, name)
        except SheetError as exc:
            if not skip_bad:
                raise
            report.skipped.append({"file": exc.name, "line": exc.line, "error": exc.message})
            continue
        if sheet.id in present:  # the same sheet twice in one archive (two folders of a zip): the first wins
            report.duplicates.append(name)
            continue
        present.add(sheet.id)
        report.unknown.update(sheet.unknown_elements)
        links.extend((sheet.id, target) for target in sheet.links)
        if (row := _classify(report, sheet, known.get(sheet.id))) is not None:
            batch.append(row)
        if len(batch) >= CHUNK:
            await _upsert(session, batch)
            batch, wrote = [], True
    if batch:
        await _upsert(session, batch)
        wrote = True
    if wrote:
        # Fresh statistics for the planner: without them a search after a first big import scans the whole table
        # instead of using the full-text and trigram indexes (seen: 100 ms instead of a few).
        await session.execute(text("ANALYZE kb_sheets"))
    if not partial:
        # A skipped file's sheet is still in the archive: it keeps its last good version.
        alive = present | {str(s["file"]).removesuffix(".xml") for s in report.skipped}
        report.retired = await _retire(session, alive, started)
    else:
        alive = present | {i for i, (_, retired) in known.items() if retired is None}
    report.missing_links = [(sheet_id, target) for sheet_id, target in links if target not in alive]
    session.add(KbImport(dataset="knowledge", source=report.source, partial=partial, started_at=started,
                         finished_at=datetime.now(UTC), counts=report.counts(), skipped=report.skipped,
                         warnings=report.warnings()))
    await session.flush()
    return report


def _classify(report: ImportReport, sheet: Sheet, before: tuple[str, datetime | None] | None,
              ) -> dict[str, Any] | None:
    """Count the sheet as added, updated, restored or unchanged; its row when it must be written."""
    row = sheet.row()
    if before is None:
        report.added += 1
    elif before[0] != row["source_hash"]:
        report.updated += 1
    elif before[1] is not None:
        report.restored += 1
    else:
        report.unchanged += 1
        return None
    return row


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
