"""The database away: call records kept and retried in order, the API says 503 (issue 7)."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from allo.db.engine import make_engine
from allo.db.errors import database_away
from allo.db.models import Call, CallOutcome
from allo.http import db_errors
from allo.metrics import Metrics
from allo.records.recorder import CallRecorder
from allo.setup.sipp import free_port

pytestmark = pytest.mark.integration


async def test_call_records_submitted_while_postgresql_is_down_are_written_once_it_is_back(
        test_settings, postgres, seeded):
    prefix = f"outage-{uuid.uuid4().hex[:8]}-"
    engine = make_engine(test_settings)
    metrics = Metrics()
    recorder = CallRecorder(engine, metrics, timeout=1.0)
    try:
        for n in range(40):
            recorder.submit(f"{prefix}{n}", {"trace": ["menu"]})
        await recorder.drain(timeout=10)  # written before the outage; the writer stopped
        await asyncio.to_thread(postgres.stop, "fast")
        try:
            for n in range(40, 100):
                recorder.submit(f"{prefix}{n}", {"trace": ["menu"]})
                recorder.submit(f"{prefix}{n}", {"outcome": CallOutcome.QUEUED, "route_queue": "l1"})
            for n in range(40):
                recorder.submit(f"{prefix}{n}", {"outcome": CallOutcome.COMPLETED, "end_reason": "agent"})
            # Several retries fail meanwhile: wait for a second failed round (the counter grows by the batch size
            # at each failed round), with a deadline.
            retried = metrics.db_writes.labels("retry")._value.get
            deadline = time.monotonic() + 30
            while retried() == 0:
                assert time.monotonic() < deadline, "no write was retried while PostgreSQL was down"
                await asyncio.sleep(0.05)
            first_round = retried()
            while retried() == first_round:
                assert time.monotonic() < deadline, "the failed writes were not retried again"
                await asyncio.sleep(0.05)
            assert metrics.db_writes.labels("retry")._value.get() > 0
        finally:
            await asyncio.to_thread(postgres.start)
            await asyncio.to_thread(postgres.wait_ready)
        await recorder.drain(timeout=30)
        async with engine.connect() as conn:
            rows = {row.call_id: row for row in await conn.execute(select(Call).where(Call.call_id.like(f"{prefix}%")))}
        assert len(rows) == 100
        assert {rows[f"{prefix}{n}"].outcome for n in range(40)} == {CallOutcome.COMPLETED}
        assert {rows[f"{prefix}{n}"].outcome for n in range(40, 100)} == {CallOutcome.QUEUED}
        assert metrics.db_writes.labels("dropped")._value.get() == 0
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(Call).where(Call.call_id.like(f"{prefix}%")))
            assert (await conn.execute(select(func.count()).select_from(Call).where(
                Call.call_id.like(f"{prefix}%")))).scalar_one() == 0
        await engine.dispose()


def _app(closed_port: int) -> FastAPI:
    app = FastAPI()
    db_errors.install(app)

    @app.get("/away")
    async def away() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))

    @app.get("/refused")
    async def refused() -> None:
        # What the pool raises when PostgreSQL is down: the real driver, a port nobody listens on.
        await asyncpg.connect(f"postgresql://allo@127.0.0.1:{closed_port}/allo", timeout=5)

    @app.get("/bug")
    async def bug() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    @app.get("/disk")
    async def disk() -> None:
        Path("/nonexistent-allo-dir/prompt.wav").write_bytes(b"")  # an OSError that is not the database

    @app.get("/slow")
    async def slow() -> None:
        async with asyncio.timeout(0.01):  # a timeout that is not the database's (an AMI action, say)
            await asyncio.sleep(1)

    return app


async def test_the_database_away_is_a_503_with_retry_after_and_other_errors_stay_500():
    transport = httpx.ASGITransport(app=_app(free_port()), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        away = await client.get("/away")
        assert away.status_code == 503 and away.headers["retry-after"] == str(db_errors.RETRY_AFTER_S)
        assert "database" in away.json()["detail"]
        assert (await client.get("/refused")).status_code == 503
        assert (await client.get("/bug")).status_code == 500
        assert (await client.get("/disk")).status_code == 500
        assert (await client.get("/slow")).status_code == 500


def test_what_counts_as_the_database_away():
    assert database_away(OperationalError("x", {}, Exception()))
    assert not database_away(ConnectionRefusedError())  # raised by something other than the driver
    assert not database_away(TimeoutError())
    assert not database_away(IntegrityError("x", {}, Exception()))
    assert not database_away(ValueError())
