"""Helpers for the queue end-to-end tests: queue policies changed in the database, queue legs read back."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import QueueCallerJoin
from allo.auth.roles import Role
from allo.db.models import LegOutcome, Queue, QueueLeg
from allo.settings import Settings
from allo.setup import sipp
from routing.calendar_types import PARIS


def paris_day(instant: datetime | None = None) -> date:
    """The Paris calendar day of `instant` (default: now): `/api/queues`' "today" starts again at Paris midnight."""
    return (instant or datetime.now(UTC)).astimezone(PARIS).date()


async def queued_then_hung_up(settings: Settings, ami_watch, *, caller: str, keys: str = "1",
                              queue: str = "l1") -> QueueCallerJoin:
    """A citizen pressing `keys` until they join `queue`, then hung up over AMI; the join event (its uniqueid is
    the call id)."""
    citizen = sipp.citizen(settings.sip_port, caller=caller, keys=keys).start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == queue, timeout=60)
        await ami_watch.client.action("Hangup", {"Channel": joined.channel})
        result = await asyncio.to_thread(citizen.wait, 20)
        assert result.ok, result.log
    finally:
        citizen.stop()
    return joined


async def queue_view(service, name: str) -> dict:
    """The queue as `GET /api/queues` shows it to a supervisor (`service`: tests.conftest.ServiceProcess)."""
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.SUPERVISOR),
                                 timeout=5) as client:
        queues = (await client.get("/api/queues")).json()["queues"]
    return next((q for q in queues if q["name"] == name), {})


@asynccontextmanager
async def queue_policy(settings: Settings, service, name: str, *, max_wait: int, on_max_wait: str,
                       overflow_queue: str | None = None) -> AsyncIterator[None]:
    """The queue's max-wait policy changed in PostgreSQL (as ops would), in force in the service, then restored."""
    engine = create_async_engine(settings.sqlalchemy_url)

    async def apply(values: dict) -> None:
        async with engine.begin() as conn:
            await conn.execute(update(Queue).where(Queue.name == name).values(**values))
        deadline = time.monotonic() + 10
        while (await queue_view(service, name)).get("max_wait", {}).get("seconds") != values["max_wait"]:
            assert time.monotonic() < deadline, f"policy of {name} not picked up"
            await asyncio.sleep(0.1)

    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(Queue.max_wait, Queue.on_max_wait, Queue.overflow_queue)
                                      .where(Queue.name == name))).one()
        await apply({"max_wait": max_wait, "on_max_wait": on_max_wait, "overflow_queue": overflow_queue})
        yield
    finally:
        await apply({"max_wait": row.max_wait, "on_max_wait": row.on_max_wait, "overflow_queue": row.overflow_queue})
        await engine.dispose()


async def wait_legs(settings: Settings, call_id: str, done: Callable[[list], bool], timeout: float = 15) -> list:
    """The call's queue legs, in order, once `done(legs)`."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with engine.connect() as conn:
                legs = (await conn.execute(select(QueueLeg).where(QueueLeg.call_id == call_id)
                                           .order_by(QueueLeg.id))).all()
            if done(legs):
                return legs
            if time.monotonic() > deadline:
                raise AssertionError(f"queue legs of {call_id} never matched: {legs}")
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


@asynccontextmanager
async def published_queue(service, asterisk, name: str, **values: object) -> AsyncIterator[None]:
    """The queue's settings published as ops would (rules draft → publish), in force once the service's policy has
    them (`GET /api/queues`), then the previous rules version restored."""
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.OPS), timeout=30) as ops:
        await ops.delete("/api/rules/draft")
        start = (await ops.get("/api/rules/current")).json()
        edit = await ops.post("/api/rules/draft/edits", json={"op": "set_queue", "name": name, **values})
        assert edit.status_code == 200, edit.text
        published = await ops.post("/api/rules/draft/publish", json={"comment": f"test: {name}"})
        assert published.status_code == 200, published.text
        every = values.get("announce_frequency")
        try:
            if every is not None:
                await announce_every_is(service, name, every)
            await _entry_offer_is(service, name, values)
            yield
        finally:
            back = await ops.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert back.status_code == 200, back.text
            before = start["document"]["queues"][name]["announce_frequency"]
            if every is not None:
                await announce_every_is(service, name, before)
            await _entry_offer_is(service, name, start["document"]["queues"][name])


async def _entry_offer_is(service, name: str, values: dict, timeout: float = 10) -> None:
    """Wait until the service's queue policy has the offer thresholds of `values` (those given)."""
    fields = (("at_waiting", "offer_at_waiting"), ("at_wait_s", "offer_at_wait_s"))
    wanted = {key: values[field] for key, field in fields if field in values}
    deadline = time.monotonic() + timeout
    while {k: v for k, v in (await queue_view(service, name)).get("entry_offer", {}).items() if k in wanted} != wanted:
        assert time.monotonic() < deadline, f"entry offer of {name} not picked up: {wanted}"
        await asyncio.sleep(0.1)


async def announce_every_is(service, name: str, every: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (await queue_view(service, name)).get("announce_every") != every:
        assert time.monotonic() < deadline, f"announce frequency {every} of {name} not picked up"
        await asyncio.sleep(0.1)


@asynccontextmanager
async def recent_waits(settings, service, queue: str, wait_s: int, count: int = 5) -> AsyncIterator[None]:
    """Calls answered in `queue` in the last hour so that one place in the queue costs `wait_s` seconds (the
    estimate's history, allo/queues/figures.py): at least `count` of them, waiting whatever makes the hour's
    figure exact whatever earlier tests' calls answered in that queue this hour."""
    engine = create_async_engine(settings.sqlalchemy_url)
    prefix = f"estimate-{uuid.uuid4().hex[:8]}-"
    left = datetime.now(UTC) - timedelta(minutes=5)
    try:
        async with engine.begin() as conn:
            earlier, waited, places = (await conn.execute(
                select(func.count(), func.coalesce(func.sum(QueueLeg.wait_seconds), 0),
                       func.coalesce(func.sum(func.coalesce(QueueLeg.position, 1)), 0))
                .where(QueueLeg.queue == queue, QueueLeg.outcome == LegOutcome.ANSWERED,
                       QueueLeg.left_at >= datetime.now(UTC) - timedelta(minutes=60)))).one()
            seeded = count + int(earlier)
            # figures: mean wait / mean position = (waited + seeded * each) / (places + seeded) = wait_s
            each = round((wait_s * (int(places) + seeded) - int(waited)) / seeded)
            await conn.execute(insert(QueueLeg), [
                {"call_id": f"{prefix}{n}", "queue": queue, "joined_at": left - timedelta(seconds=each),
                 "left_at": left, "position": 1, "outcome": LegOutcome.ANSWERED, "wait_seconds": each,
                 "agent": "agent1001"} for n in range(seeded)])
        # The service reads the recent waits in the background (every second here) and nothing shows when it has;
        # but it also reads them once at start, before it answers /healthz: restarted, it has them for sure.
        await asyncio.to_thread(service.stop)
        await asyncio.to_thread(service.start)
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.like(f"{prefix}%")))
        await engine.dispose()
