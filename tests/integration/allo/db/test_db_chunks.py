"""Many rows read in chunks on the real PostgreSQL: all of them, in order, and the event loop runs in between."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from allo.db.chunks import fetch_in_chunks
from allo.db.engine import make_engine

pytestmark = pytest.mark.integration


async def test_every_row_comes_back_converted_and_other_tasks_run_between_chunks(test_settings, seeded):
    engine = make_engine(test_settings)
    ticks = 0
    done = asyncio.Event()

    async def other_task() -> None:  # a FastAGI reply or a dashboard push waiting for the loop
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    query = select(func.generate_series(1, 20_000).label("n"))
    seen_at: list[int] = []  # the other task's count when each row was converted

    def convert(row) -> int:
        seen_at.append(ticks)
        return row.n * 2

    try:
        async with engine.connect() as conn:
            ticker = asyncio.create_task(other_task())
            rows = await fetch_in_chunks(conn, query, convert, chunk=500)
            chunked = len(set(seen_at))
            seen_at.clear()
            [convert(row) for row in await conn.execute(query)]  # the plain way, for contrast
            plain = len(set(seen_at))
            done.set()
            await ticker
    finally:
        await engine.dispose()
    assert rows == [n * 2 for n in range(1, 20_001)]
    # Converting 40 chunks, the other task ran between every two of them; the plain way converted all in one go.
    assert chunked >= 40 and plain == 1, (chunked, plain)
