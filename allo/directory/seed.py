"""The demo directory `allo setup` (hence `make run`) loads into an empty dir_bodies: invented bodies in the
official format for Metz, Lyon, Montpellier, Paris 15e and Sainte-Aurélie-des-Causses (12999, an invented
commune), and national ones for the fallback, so that a newcomer can search at once (docs/knowledge.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.directory.importer import ImportReport, import_file

DEMO_FILE = Path(__file__).parent / "demo" / "annuaire.json"


async def seed_demo_directory(engine: AsyncEngine, say: Callable[[str], None] = print, *,
                              path: Path = DEMO_FILE) -> ImportReport | None:
    """Import the demo file when the directory is empty (a real import is never overwritten); None otherwise."""
    async with engine.begin() as conn:
        if (await conn.execute(text("SELECT EXISTS (SELECT 1 FROM dir_bodies)"))).scalar_one():
            return None
        report = await import_file(conn, path, partial=True)
    say(f"loaded the demo directory: {report.counts['added']} public bodies (a real one: `allo directory import`)")
    return report
