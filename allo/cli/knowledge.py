"""`allo knowledge import PATH`: the DILA answer sheets (a folder or a zip) into the database (docs/knowledge.md).

Exit 0 when imported (also with `--skip-bad` and files skipped: they are listed), 1 when nothing was imported:
a bad file ("FILE:LINE: message") or a path that is neither a folder nor a zip.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.engine import make_engine
from allo.knowledge.importer import ImportReport, import_sheets
from allo.knowledge.sheet import SheetError
from allo.settings import Settings


def import_command(settings: Settings, path: Path, *, partial: bool, skip_bad: bool, progress: bool) -> int:
    async def work() -> ImportReport:
        engine = make_engine(settings, pool_size=1)
        try:
            async with AsyncSession(engine) as session, session.begin():
                return await import_sheets(session, path, partial=partial, skip_bad=skip_bad,
                                           progress=True if progress else None)
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(work())
    except SheetError as exc:
        print(str(exc), file=sys.stderr)
        print("knowledge import refused: nothing changed (fix the file, or --skip-bad to import the rest)",
              file=sys.stderr)
        return 1
    print_report(report)
    return 0


def print_report(report: ImportReport) -> None:
    kind = "partial" if report.partial else "full snapshot"
    print(f"knowledge import of {report.source} ({kind}): {report.files} sheet file(s), "
          f"{report.ignored} other file(s) ignored")
    print(f"  added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
          f"restored {report.restored}, retired {report.retired}, skipped {len(report.skipped)}")
    if report.unknown:
        print("  unknown elements (kept as text): "
              + ", ".join(f"{tag} {count}" for tag, count in sorted(report.unknown.items())))
    for skipped in report.skipped:
        print(f"  skipped {skipped['file']}:{skipped['line'] or 0}: {skipped['error']}")
    if report.missing_links:
        print(f"  warning: {len(report.missing_links)} link(s) to sheets absent after the import")
    if report.duplicates:
        print(f"  warning: {len(report.duplicates)} file(s) repeating an earlier sheet id, ignored")
    for line in report.warnings():
        print(f"    {line}")
