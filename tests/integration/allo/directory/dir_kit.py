"""Directory test helpers: a private database per module, fixture files rewritten on the fly, the import run."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.directory.importer import ImportReport, import_file

FIXTURES = Path(__file__).parents[3] / "fixtures" / "dila"
SAMPLE = FIXTURES / "annuaire.json"
EDGE = FIXTURES / "annuaire-edge.json"
TABLES = ("dir_served", "dir_bodies", "dir_communes", "kb_imports")


def records(path: Path = SAMPLE) -> list[dict[str, Any]]:
    return copy.deepcopy(json.loads(path.read_bytes())["service"])


def write(tmp_path: Path, name: str, service: list[Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"service": service}, ensure_ascii=False))
    return path


def sid(n: int) -> str:
    return f"00000000-3939-4000-8000-{n:012d}"


async def empty(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE " + ", ".join(TABLES)))


async def run_import(engine: AsyncEngine, path: Path, **options: bool) -> ImportReport:
    async with engine.begin() as conn:
        return await import_file(conn, path, **options)


async def snapshot(engine: AsyncEngine) -> dict[str, Any]:
    """Everything the import writes, to compare before and after a refused import."""
    async with engine.connect() as conn:
        bodies = (await conn.execute(text("SELECT id, source_hash, retired_at, parent_ids, updated_at "
                                          "FROM dir_bodies ORDER BY id"))).all()
        served = (await conn.execute(text("SELECT * FROM dir_served ORDER BY 1, 2, 3"))).all()
        communes = (await conn.execute(text("SELECT * FROM dir_communes ORDER BY 1"))).all()
        runs = (await conn.execute(text("SELECT count(*) FROM kb_imports"))).scalar_one()
    return {"bodies": bodies, "served": served, "communes": communes, "runs": runs}
