"""The call's context when PostgreSQL is away: the pop still goes out, in bounded time, with what the AMI event
says and a French error; the recorder says whether a call's journey writes were tried."""

from __future__ import annotations

import socket
import time

from sqlalchemy.ext.asyncio import create_async_engine

from allo.desk.context import CallContext
from allo.desk.pop import DEGRADED, PopOrigin, PopRequest
from allo.metrics import Metrics
from allo.records.recorder import CallRecorder


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_database_away_still_pops_what_the_event_says_in_bounded_time() -> None:
    engine = create_async_engine(f"postgresql+asyncpg://allo:x@127.0.0.1:{closed_port()}/allo")
    recorder = CallRecorder(engine, Metrics(), timeout=0.2)
    context = CallContext(engine, recorder, lambda queue: "travail" if queue == "l2-travail" else None,
                          repeat_days=7, settle=0.05, timeout=0.3)
    recorder.submit("1700.1", {"agent": "agent2001"})  # a journey write the database never takes
    started = time.monotonic()
    pop = await context.pop(PopRequest("1700.1", "agent2001", "l2-travail", 12, PopOrigin.QUEUE, 1_765_000_000.0))
    assert time.monotonic() - started < 1.0
    assert (pop["call_id"], pop["queue"], pop["waited_s"], pop["sector"], pop["level"]) == \
        ("1700.1", "l2-travail", 12, "travail", 2)
    assert pop["error"] == DEGRADED and pop["path"] is None
    assert pop["event_wall"] == 1_765_000_000.0
    assert not await recorder.settled("1700.1", 0.01)
    assert await recorder.settled("another.call", 0.01)
    await recorder.drain(0.01)
    await engine.dispose()
