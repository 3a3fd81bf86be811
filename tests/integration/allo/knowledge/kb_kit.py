"""Helpers of the knowledge tests: a private database, archives built from the fixture sheets, the rows."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.knowledge_models import KbImport, KbSheet
from allo.knowledge.importer import ImportReport, import_sheets

DILA = Path(__file__).parents[3] / "fixtures" / "dila"
SAMPLES = sorted(p.stem for p in (DILA / "fiches").glob("*.xml"))  # the 12 sheets of the formats' samples
EXTRA = ["F90031", "F90032"]  # every other element; ISO-8859-15 with unknown elements


def fixture_path(sheet_id: str) -> Path:
    for folder in ("fiches", "extra", "bad"):
        path = DILA / folder / f"{sheet_id}.xml"
        if path.exists():
            return path
    raise FileNotFoundError(sheet_id)


def snapshot(folder: Path, ids: list[str], *, others: bool = True) -> Path:
    """A folder like the DILA archive: the sheets, plus index and resource files the import ignores."""
    folder.mkdir(parents=True, exist_ok=True)
    for sheet_id in ids:
        shutil.copy(fixture_path(sheet_id), folder / f"{sheet_id}.xml")
    if others:
        (folder / "menu.xml").write_text("<Menu/>")
        (folder / "R90999.xml").write_text("<Publication/>")
    return folder


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"vosdroits/{path.name}")
    return target


async def run_import(engine: AsyncEngine, path: Path, **options: Any) -> ImportReport:
    async with AsyncSession(engine) as session, session.begin():
        return await import_sheets(session, path, **options)


async def rows(engine: AsyncEngine) -> dict[str, KbSheet]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return {row.id: row for row in (await session.scalars(select(KbSheet))).all()}


async def state(engine: AsyncEngine) -> tuple[dict[str, tuple[Any, ...]], int]:
    """Everything an import could change: each row's hash, dates, retirement; and the count of runs."""
    async with AsyncSession(engine) as session:
        sheets = {r.id: (r.source_hash, r.updated_at, r.retired_at) for r in
                  (await session.scalars(select(KbSheet))).all()}
        runs = len((await session.scalars(select(KbImport.id))).all())
    return sheets, runs
