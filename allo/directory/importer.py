"""`allo directory import`: the export streamed into PostgreSQL in one transaction (a bad record rolls everything
back unless skipped), in batches; unchanged bodies (same source_hash) are not written."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from allo.directory import store
from allo.directory.parse import CountingReader, DirectoryFormatError, Parsed, parse_records
from allo.directory.records import Body
from allo.directory.sources import open_source

BATCH = 1000
ANALYSE_AFTER = 1000  # rows changed: then the planner's statistics are refreshed in the same transaction
MAX_WARNINGS = 200  # kept in kb_imports; the count says how many there were


class Change(enum.StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def classify(source_hash: str, stored: store.Existing | None) -> Change:
    """New, changed (or retired and back), or the same as stored."""
    if stored is None:
        return Change.ADDED
    if stored.retired or stored.source_hash != source_hash:
        return Change.UPDATED
    return Change.UNCHANGED


@dataclass
class ImportReport:
    source: str
    partial: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("read", "added", "updated", "unchanged", "retired", "skipped", "served", "communes", "warnings"), 0))
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.counts["warnings"] += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)


class _Communes:
    """The communes met in the bodies' physical addresses: INSEE → name, postal codes, department."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, set[str], str]] = {}

    def add(self, body: Body) -> None:
        if not body.insee or not body.commune_name:
            return
        _, postal, _ = self.seen.setdefault(body.insee, (body.commune_name, set(), body.department))
        if body.postal_code:
            postal.add(body.postal_code)

    def rows(self) -> Iterable[store.CommuneSeen]:
        for insee, (name, postal, department) in self.seen.items():
            yield store.CommuneSeen(insee, name, tuple(sorted(postal)), department)


async def _flush(conn: AsyncConnection, batch: Sequence[tuple[Body, dict[str, Any]]], report: ImportReport) -> None:
    stored = await store.existing(conn, [b.id for b, _ in batch])
    write: list[tuple[Body, dict[str, Any]]] = []
    replaced: list[str] = []
    for body, columns in batch:
        change = classify(columns["source_hash"], stored.get(body.id))
        report.counts[change.value] += 1
        if change is not Change.UNCHANGED:
            write.append((body, columns))
            if change is Change.UPDATED:
                replaced.append(body.id)
    if write:
        report.counts["served"] += await store.write_bodies(conn, write, replaced)
    await store.mark_seen(conn, [body for body, _ in batch])


async def import_stream(conn: AsyncConnection, reader: CountingReader, report: ImportReport, *,
                        skip_bad: bool = False, progress: Callable[[int], None] | None = None) -> None:
    """Everything but the commit: the caller's transaction holds it all."""
    started = datetime.now(UTC)
    await store.prepare(conn)
    ids: set[str] = set()
    communes = _Communes()
    records = parse_records(reader)

    def next_batch() -> list[tuple[Body, dict[str, Any]]]:
        batch: list[tuple[Body, dict[str, Any]]] = []
        for parsed in records:
            report.counts["read"] += 1
            body = _accept(parsed, ids, report, skip_bad)
            if progress is not None:
                progress(reader.offset)
            if body is not None:
                communes.add(body)
                batch.append((body, body.columns()))
                if len(batch) >= BATCH:
                    break
        return batch

    # Parsing (CPU, in a thread) overlaps with PostgreSQL writing the previous batch; one batch ahead at most,
    # and the parser is only ever advanced by one thread at a time.
    ahead = asyncio.ensure_future(asyncio.to_thread(next_batch))
    try:
        while batch := await ahead:
            ahead = asyncio.ensure_future(asyncio.to_thread(next_batch))
            await _flush(conn, batch, report)
    finally:
        await asyncio.wait([ahead])  # a failed write: let the parsing thread finish its batch, drop it
        if not ahead.cancelled():
            ahead.exception()  # retrieved (it may be the very error being raised)
    await store.mark_seen(conn, [], [s["id"] for s in report.skipped if s["id"] and s["id"] not in ids])
    if report.partial:
        report.counts["retired"] = 0
    else:
        report.counts["retired"] = await store.retire_absent(conn, datetime.now(UTC))
    await store.invert_hierarchy(conn, partial=report.partial)
    report.counts["communes"] = await store.upsert_communes(conn, communes.rows())
    if report.counts["added"] + report.counts["updated"] + report.counts["retired"] >= ANALYSE_AFTER:
        await store.analyse(conn)
    await store.record_run(conn, source=report.source, partial=report.partial, started_at=started,
                           finished_at=datetime.now(UTC), counts=report.counts, skipped=report.skipped,
                           warnings=report.warnings)


def _accept(parsed: Parsed, ids: set[str], report: ImportReport, skip_bad: bool) -> Body | None:
    if parsed.body is None:
        if not skip_bad:
            raise DirectoryFormatError(parsed.error or "bad record", index=parsed.index, offset=parsed.offset)
        report.counts["skipped"] += 1
        report.skipped.append({"index": parsed.index, "offset": parsed.offset, "id": parsed.raw_id,
                               "error": parsed.error})
        return None
    body = parsed.body
    if body.id in ids:
        report.warn(f"service[{parsed.index}]: id {body.id} already read, this copy is ignored")
        return None
    ids.add(body.id)
    for warning in body.warnings:
        report.warn(f"service[{parsed.index}] {body.id}: {warning}")
    return body


async def import_file(conn: AsyncConnection, path: Path, *, partial: bool = False, skip_bad: bool = False,
                      progress: Callable[[int | None, int], None] | None = None) -> ImportReport:
    """Import `path` (JSON, .zip or .tar.bz2) in the caller's transaction; `progress(total, done)` by bytes."""
    with open_source(path) as source:
        report = ImportReport(source.name, partial)
        reader = CountingReader(source.stream)
        tick = None if progress is None else (lambda done: progress(source.size, done))
        await import_stream(conn, reader, report, skip_bad=skip_bad, progress=tick)
    return report
