"""`allo directory import FILE`: the DILA's directory export into PostgreSQL (docs/knowledge.md, Directory)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from allo.directory.importer import ImportReport, import_file
from allo.errors import AlloError
from allo.settings import Settings

IMPORT_TIMEOUT = 3600.0  # statements of a full import (the retirement, the communes) run longer than the API's


class _Progress:
    """A tqdm bar by bytes read, on stderr; created on the first tick (when the size is known)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, total: int | None, done: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc="annuaire", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


async def _run(settings: Settings, path: Path, partial: bool, skip_bad: bool, progress: _Progress | None
               ) -> ImportReport:
    engine = create_async_engine(settings.sqlalchemy_url, pool_size=1,
                                 connect_args={"command_timeout": IMPORT_TIMEOUT})
    try:
        async with engine.begin() as conn:
            return await import_file(conn, path, partial=partial, skip_bad=skip_bad, progress=progress)
    finally:
        await engine.dispose()


def summary(report: ImportReport) -> str:
    c = report.counts
    return (f"{report.source}: {c['read']} records read, {c['added']} added, {c['updated']} updated, "
            f"{c['unchanged']} unchanged, {c['retired']} retired, {c['skipped']} skipped; {c['served']} communes "
            f"served written, {c['communes']} communes known, {c['warnings']} warnings"
            + (" (partial: nothing retired)" if report.partial else ""))


def import_command(settings: Settings, path: Path, *, partial: bool, skip_bad: bool, progress: bool) -> int:
    """Exit 0 and the counts on stdout; 1 and the reason on stderr (nothing changed)."""
    bar = _Progress() if progress or sys.stderr.isatty() else None
    try:
        report = asyncio.run(_run(settings, path, partial, skip_bad, bar))
    except AlloError as exc:
        print(f"allo: directory import refused, nothing changed: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    print(summary(report))
    for skipped in report.skipped:
        print(f"skipped service[{skipped['index']}] {skipped['id'] or '(no id)'}: {skipped['error']}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
