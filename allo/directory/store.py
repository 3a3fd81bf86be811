"""The directory's writes in PostgreSQL, inside the import's one transaction: bodies and the communes they serve
copied in batches (COPY into temporary tables, then one upsert per batch), absent bodies retired, the hierarchy
inverted into `parent_ids`, the communes known from the bodies' addresses, and the run recorded in kb_imports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from allo.directory.records import Body

BODY_COLUMNS = ("id", "name", "acronym", "category", "org_type", "national", "insee", "department",
                "commune_name", "postal_code", "pivots", "main_for", "addresses", "phones", "faxes", "emails",
                "websites", "contact_forms", "hours", "hours_comment", "url", "modified_at", "source_hash")
_JSON = {"addresses", "phones", "faxes", "emails", "websites", "contact_forms", "hours"}
# Built from the constant column list above, never from input.
_COLUMNS = ", ".join(BODY_COLUMNS)
_STAGE = f"CREATE TEMP TABLE dir_stage ON COMMIT DROP AS SELECT {_COLUMNS} FROM dir_bodies WITH NO DATA"  # noqa: S608
_UPSERT = (f"INSERT INTO dir_bodies ({_COLUMNS}) SELECT {_COLUMNS} FROM dir_stage "  # noqa: S608
           "ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in BODY_COLUMNS if c != "id")
           + ", updated_at = now(), retired_at = NULL")


@dataclass(frozen=True, slots=True)
class Existing:
    source_hash: str
    retired: bool


@dataclass(frozen=True, slots=True)
class CommuneSeen:
    insee: str
    name: str
    postal_codes: tuple[str, ...]
    department: str


async def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under SQLAlchemy's, for COPY (same connection, same transaction)."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def prepare(conn: AsyncConnection) -> None:
    """Temporary tables of this import (dropped at commit or rollback)."""
    await conn.execute(text(_STAGE))
    await conn.execute(text("CREATE TEMP TABLE dir_seen (id text PRIMARY KEY) ON COMMIT DROP"))
    await conn.execute(text("CREATE TEMP TABLE dir_links (parent text, child text) ON COMMIT DROP"))


async def existing(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, Existing]:
    rows = await conn.execute(text("SELECT id, source_hash, retired_at IS NOT NULL FROM dir_bodies "
                                   "WHERE id = ANY(:ids)"), {"ids": list(ids)})
    return {row[0]: Existing(row[1], row[2]) for row in rows}


def _copy_row(columns: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(json.dumps(columns[c], ensure_ascii=False) if c in _JSON else columns[c] for c in BODY_COLUMNS)


async def write_bodies(conn: AsyncConnection, written: Sequence[tuple[Body, dict[str, Any]]],
                       replaced: Sequence[str]) -> int:
    """Upsert bodies (new or changed, with their `Body.columns()`) and their communes served; `replaced` are the
    ids already stored whose served rows are replaced. Returns the number of served rows written."""
    driver = await _driver(conn)
    bodies = [body for body, _ in written]
    await driver.copy_records_to_table("dir_stage", records=[_copy_row(columns) for _, columns in written],
                                       columns=list(BODY_COLUMNS))
    await conn.execute(text(_UPSERT))
    await conn.execute(text("TRUNCATE dir_stage"))
    if replaced:
        await conn.execute(text("DELETE FROM dir_served WHERE body_id = ANY(:ids)"), {"ids": list(replaced)})
    served = [(b.id, pivot, insee) for b in bodies for pivot, insee in b.served]
    if served:
        await driver.copy_records_to_table("dir_served", records=served, columns=["body_id", "pivot", "insee"])
    return len(served)


async def mark_seen(conn: AsyncConnection, bodies: Iterable[Body], extra_ids: Iterable[str] = ()) -> None:
    # extra_ids: bad records skipped that had an id (their stored body is kept as it is, not retired)
    """Ids present in this file (retirement spares them) and the hierarchy links they declare."""
    batch = list(bodies)
    driver = await _driver(conn)
    ids = [(b.id,) for b in batch] + [(i,) for i in extra_ids]
    if ids:
        await driver.copy_records_to_table("dir_seen", records=ids, columns=["id"])
    links = [(b.id, child) for b in batch for child in b.children]
    if links:
        await driver.copy_records_to_table("dir_links", records=links, columns=["parent", "child"])


async def retire_absent(conn: AsyncConnection, now: datetime) -> int:
    result = await conn.execute(text("UPDATE dir_bodies b SET retired_at = :now WHERE retired_at IS NULL "
                                     "AND NOT EXISTS (SELECT 1 FROM dir_seen s WHERE s.id = b.id)"), {"now": now})
    return int(result.rowcount or 0)


async def invert_hierarchy(conn: AsyncConnection, *, partial: bool) -> None:
    """`parent_ids` from the parents' lists of children. A full snapshot rebuilds every link; a partial one
    replaces only the links of the parents it holds."""
    if partial:
        await conn.execute(text(
            "UPDATE dir_bodies SET parent_ids = ARRAY(SELECT p FROM unnest(parent_ids) p "
            "WHERE NOT EXISTS (SELECT 1 FROM dir_seen s WHERE s.id = p)) WHERE parent_ids <> '{}'"))
    else:
        await conn.execute(text("UPDATE dir_bodies SET parent_ids = '{}' WHERE parent_ids <> '{}'"))
    await conn.execute(text(
        "UPDATE dir_bodies b SET parent_ids = ARRAY(SELECT DISTINCT x FROM unnest(b.parent_ids || l.parents) x "
        "ORDER BY x) FROM (SELECT child, array_agg(DISTINCT parent) AS parents FROM dir_links GROUP BY child) l "
        "WHERE b.id = l.child"))


async def upsert_communes(conn: AsyncConnection, communes: Iterable[CommuneSeen]) -> int:
    rows = [(c.insee, c.name, list(c.postal_codes), c.department) for c in communes]
    if not rows:
        return 0
    await conn.execute(text("CREATE TEMP TABLE dir_communes_stage ON COMMIT DROP AS "
                            "SELECT insee, name, postal_codes, department FROM dir_communes WITH NO DATA"))
    driver = await _driver(conn)
    await driver.copy_records_to_table("dir_communes_stage", records=rows,
                                       columns=["insee", "name", "postal_codes", "department"])
    await conn.execute(text(
        "INSERT INTO dir_communes (insee, name, postal_codes, department) "
        "SELECT insee, name, postal_codes, department FROM dir_communes_stage ON CONFLICT (insee) DO UPDATE SET "
        "name = excluded.name, department = excluded.department, postal_codes = ARRAY(SELECT DISTINCT x FROM "
        "unnest(dir_communes.postal_codes || excluded.postal_codes) x ORDER BY x)"))
    return len(rows)


async def analyse(conn: AsyncConnection) -> None:
    """Fresh planner statistics (ANALYZE runs inside the transaction): after a big import, stale ones make the
    search pick a scan of every body until autovacuum gets round to it."""
    for table in ("dir_bodies", "dir_served", "dir_communes"):
        await conn.execute(text(f"ANALYZE {table}"))


async def record_run(conn: AsyncConnection, *, source: str, partial: bool, started_at: datetime,
                     finished_at: datetime, counts: dict[str, int], skipped: list[dict[str, Any]],
                     warnings: list[str]) -> None:
    await conn.execute(text(
        "INSERT INTO kb_imports (dataset, source, partial, started_at, finished_at, counts, skipped, warnings) "
        "VALUES ('directory', :source, :partial, :started, :finished, CAST(:counts AS jsonb), "
        "CAST(:skipped AS jsonb), CAST(:warnings AS jsonb))"),
        {"source": source, "partial": partial, "started": started_at, "finished": finished_at,
         "counts": json.dumps(counts), "skipped": json.dumps(skipped, ensure_ascii=False),
         "warnings": json.dumps(warnings, ensure_ascii=False)})
