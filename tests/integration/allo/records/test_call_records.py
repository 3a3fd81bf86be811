"""Call records written in batches against the real PostgreSQL: order per call kept, nothing lost with a bad
statement in the batch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.engine import make_engine
from allo.db.models import Call, CallOutcome
from allo.metrics import Metrics
from allo.records.recorder import CallRecorder

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(test_settings, seeded) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(test_settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def prefix(engine) -> str:
    return f"rec-{uuid.uuid4().hex[:8]}-"


async def _rows(engine: AsyncEngine, prefix: str) -> dict[str, Call]:
    async with engine.connect() as conn:
        result = await conn.execute(select(Call).where(Call.call_id.like(f"{prefix}%")))
        return {row.call_id: row for row in result}


async def _clean(engine: AsyncEngine, prefix: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(Call).where(Call.call_id.like(f"{prefix}%")))


async def test_1200_writes_of_300_calls_each_end_in_the_call_last_state(engine, prefix):
    metrics = Metrics()
    recorder = CallRecorder(engine, metrics)
    try:
        for n in range(300):
            call = f"{prefix}{n}"
            recorder.submit(call, {"trace": ["menu"]})
            recorder.submit(call, {"outcome": CallOutcome.QUEUED, "route_queue": "l1"})
            recorder.submit(call, {"outcome": CallOutcome.ANSWERED, "agent": "agent1001"})
            recorder.submit(call, {"outcome": CallOutcome.COMPLETED, "end_reason": "agent"})
        await recorder.drain(timeout=30)
        rows = await _rows(engine, prefix)
        assert len(rows) == 300
        assert {(r.outcome, r.route_queue, r.agent, r.end_reason) for r in rows.values()} == {
            (CallOutcome.COMPLETED, "l1", "agent1001", "agent")}
        assert metrics.db_writes.labels("ok")._value.get() == 1200
    finally:
        await _clean(engine, prefix)


async def test_a_bad_statement_loses_only_itself(engine, prefix):
    metrics = Metrics()
    recorder = CallRecorder(engine, metrics)
    try:
        recorder.submit(f"{prefix}a", {"outcome": CallOutcome.QUEUED})
        recorder.submit_statement(f"{prefix}x", text("INSERT INTO no_such_table VALUES (1)"), None, "broken write")
        recorder.submit(f"{prefix}b", {"outcome": CallOutcome.ANSWERED})
        await recorder.drain(timeout=30)
        rows = await _rows(engine, prefix)
        assert {call: row.outcome for call, row in rows.items()} == {
            f"{prefix}a": CallOutcome.QUEUED, f"{prefix}b": CallOutcome.ANSWERED}
        assert metrics.db_writes.labels("error")._value.get() == 1
        assert metrics.db_writes.labels("ok")._value.get() == 2
    finally:
        await _clean(engine, prefix)


async def test_writes_submitted_after_a_drain_are_still_written(engine, prefix):
    recorder = CallRecorder(engine, Metrics())
    try:
        recorder.submit(f"{prefix}1", {"outcome": CallOutcome.QUEUED})
        await recorder.drain(timeout=30)
        recorder.submit(f"{prefix}1", {"outcome": CallOutcome.COMPLETED})
        await recorder.drain(timeout=30)
        assert (await _rows(engine, prefix))[f"{prefix}1"].outcome is CallOutcome.COMPLETED
    finally:
        await _clean(engine, prefix)


async def test_queue_legs_of_interleaved_calls_end_in_their_last_state(engine, prefix):
    """Batches group the same statement across calls (executemany); each call's join, leave and answer still apply
    in order: a visit left then answered elsewhere, a visit answered, a visit abandoned."""
    from acd.ami.events import parse_event
    from allo.db.models import LegOutcome, QueueLeg
    from allo.queues.legs import LegTracker

    recorder = CallRecorder(engine, Metrics())
    legs = LegTracker(recorder)
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    calls = [f"{prefix}{n}" for n in range(90)]
    try:
        for call in calls:
            join = {"Event": "QueueCallerJoin", "Queue": "l1", "Uniqueid": call, "Position": "2"}
            legs.on_event(parse_event(join), t0)
        for n, call in enumerate(calls):
            at = t0 + timedelta(seconds=10 + n % 7)
            if n % 3 == 0:
                legs.on_event(parse_event({"Event": "AgentConnect", "Queue": "l1", "Uniqueid": call,
                                           "MemberName": "agent1001", "HoldTime": "12"}), at)
            elif n % 3 == 1:
                legs.on_event(parse_event({"Event": "QueueCallerAbandon", "Queue": "l1", "Uniqueid": call,
                                           "HoldTime": "9"}), at)
            else:
                legs.on_event(parse_event({"Event": "QueueCallerLeave", "Queue": "l1", "Uniqueid": call,
                                           "Position": "1"}), at)
                legs.on_event(parse_event({"Event": "QueueCallerJoin", "Queue": "l2-travail", "Uniqueid": call,
                                           "Position": "1"}), at)
                legs.on_event(parse_event({"Event": "AgentConnect", "Queue": "l2-travail", "Uniqueid": call,
                                           "MemberName": "agent2001", "HoldTime": "3"}), at + timedelta(seconds=3))
        await recorder.drain(timeout=30)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(QueueLeg).where(QueueLeg.call_id.like(f"{prefix}%")))).all()
        got = {(r.call_id, r.queue): (r.outcome, r.wait_seconds, r.agent, r.left_at is not None) for r in rows}
        want: dict = {}
        for n, call in enumerate(calls):
            if n % 3 == 0:
                want[(call, "l1")] = (LegOutcome.ANSWERED, 12, "agent1001", True)
            elif n % 3 == 1:
                want[(call, "l1")] = (LegOutcome.ABANDONED, 9, None, True)
            else:
                want[(call, "l1")] = (LegOutcome.LEFT, 10 + n % 7, None, True)
                want[(call, "l2-travail")] = (LegOutcome.ANSWERED, 3, "agent2001", True)
        assert got == want
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.like(f"{prefix}%")))


async def test_settled_says_when_a_call_s_writes_are_in_the_database(engine, prefix):
    """What the desk's screen-pop waits for before reading the journey the ivr route wrote in the background."""
    recorder = CallRecorder(engine, Metrics())
    call = f"{prefix}settled"
    try:
        assert await recorder.settled(call, 0.01)  # nothing pending
        for n in range(50):
            recorder.submit(f"{prefix}other{n}", {"route_queue": "l1"})
        recorder.submit(call, {"route_queue": "l1", "keys": "1"})
        recorder.submit(call, {"agent": "agent1001"})
        assert await recorder.settled(call, 5.0)
        row = (await _rows(engine, prefix))[call]
        assert (row.keys, row.agent) == ("1", "agent1001")
    finally:
        await recorder.drain()
        await _clean(engine, prefix)


async def test_a_nodes_recorder_marks_its_calls_and_legs_with_the_node(engine, prefix):
    """Two nodes (docs/scaling.md): the node is set when the row is created and kept by later writes; a single
    node's recorder leaves it NULL."""
    from acd.ami.events import parse_event
    from allo.db.models import QueueLeg
    from allo.queues.legs import LegTracker

    on_b, alone = CallRecorder(engine, Metrics(), node="b"), CallRecorder(engine, Metrics())
    legs = LegTracker(on_b)
    try:
        on_b.submit(f"{prefix}b", {"trace": ["menu"]})
        legs.on_event(parse_event({"Event": "QueueCallerJoin", "Queue": "l1", "Uniqueid": f"{prefix}b",
                                   "Position": "1"}))
        on_b.on_event(parse_event({"Event": "QueueCallerJoin", "Queue": "l1", "Uniqueid": f"{prefix}b",
                                   "Position": "1"}))
        alone.submit(f"{prefix}single", {"trace": ["menu"]})
        await on_b.drain(timeout=10)
        await alone.drain(timeout=10)
        rows = await _rows(engine, prefix)
        assert rows[f"{prefix}b"].node == "b" and rows[f"{prefix}b"].outcome is CallOutcome.QUEUED
        assert rows[f"{prefix}single"].node is None
        async with engine.connect() as conn:
            leg_nodes = (await conn.execute(select(QueueLeg.node).where(QueueLeg.call_id == f"{prefix}b"))).all()
        assert [row.node for row in leg_nodes] == ["b"]
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.like(f"{prefix}%")))
        await _clean(engine, prefix)


async def test_a_queue_leg_sent_again_after_its_commit_landed_is_there_once(engine, prefix):
    """A failover can cut the answer to a commit that reached the standby: the recorder sends the batch again
    (tests/ha). A visit is the same visit when its call, queue and arrival are: it is not inserted twice, and a
    later visit of the same queue still is."""
    from allo.db.models import QueueLeg
    from allo.queues.legs import LegInsert, statement

    metrics = Metrics()
    recorder = CallRecorder(engine, metrics)
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    first, again = LegInsert(f"{prefix}1", "l1", t0, 2), LegInsert(f"{prefix}1", "l1", t0 + timedelta(minutes=3), 1)
    try:
        for change in (first, first, again, first):
            recorder.submit_statement(change.call_id, *statement(change), "queue leg l1")
        for n in range(2, 40):  # one executemany group with the resent visits of other calls
            change = LegInsert(f"{prefix}{n}", "l1", t0, 1)
            recorder.submit_statement(change.call_id, *statement(change), "queue leg l1")
            recorder.submit_statement(change.call_id, *statement(change), "queue leg l1")
        await recorder.drain(timeout=30)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(QueueLeg.call_id, QueueLeg.joined_at).where(
                QueueLeg.call_id.like(f"{prefix}%")))).all()
        assert sorted(joined for call_id, joined in rows if call_id == f"{prefix}1") == [first.joined_at,
                                                                                         again.joined_at]
        assert len(rows) == 2 + 38
        assert metrics.db_writes.labels("error")._value.get() == 0  # not refused by the constraint: skipped
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.like(f"{prefix}%")))
