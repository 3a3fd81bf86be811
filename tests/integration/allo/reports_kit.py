"""A known set of recorded calls, legs and callbacks for the report tests (inserted with a call-id prefix of its
own and deleted afterwards). Seeded thresholds: every queue has service_level 20 s and short_abandon 5 s. Times
are UTC; on 2026-10-25 UTC 00:xx is 02:xx (+02:00) and UTC 01:xx is 02:xx (+01:00); on 2026-03-29 UTC 00:xx is
01:xx (+01:00) and UTC 01:xx is 03:xx (+02:00)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from allo.db.callback_models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from allo.db.models import Call, CallOutcome, LegOutcome, QueueLeg

A, AB, LEFT, CB = LegOutcome.ANSWERED, LegOutcome.ABANDONED, LegOutcome.LEFT, LegOutcome.CALLBACK


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Recorded:
    """Rows to insert, every call id starting with a prefix of its own (deleted afterwards)."""

    def __init__(self) -> None:
        self.prefix = f"rpt-{uuid.uuid4().hex[:10]}-"
        self.legs: list[dict] = []
        self.calls: dict[str, dict] = {}
        self.callbacks: list[tuple[dict, datetime | None]] = []

    def leg(self, call: str, queue: str, joined: datetime, outcome: LegOutcome, wait: int,
            end_reason: str | None = None) -> datetime:
        left = joined + timedelta(seconds=wait)
        call_id = self.prefix + call
        self.legs.append({"call_id": call_id, "queue": queue, "joined_at": joined, "left_at": left,
                          "outcome": outcome, "wait_seconds": wait, "end_reason": end_reason})
        self.calls.setdefault(call_id, {"call_id": call_id, "dialled": "3939", "started_at": joined
                                        - timedelta(seconds=30), "outcome": CallOutcome.ABANDONED,
                                        "ended_at": left, "transferred_at": None})
        return left

    def end(self, call: str, ended: datetime | None, transferred: datetime | None = None) -> None:
        row = self.calls[self.prefix + call]
        row.update(ended_at=ended, transferred_at=transferred,
                   outcome=CallOutcome.COMPLETED if ended else CallOutcome.ANSWERED)

    def callback(self, created: datetime, status: CallbackStatus, reached: datetime | None) -> None:
        row = {"origin": "queue", "queue": "l1", "call_id": self.prefix + "cb", "created_at": created,
               "original_arrival": created, "due_by": created + timedelta(minutes=45), "status": status,
               "next_attempt_at": created, "closed_at": created + timedelta(hours=1), "consent": True,
               "outcome": status.value, "attempts": 1,
               # The phone rang 5 s before the citizen picked up, or rang unanswered 5 minutes after the request.
               "first_ringing_at": reached - timedelta(seconds=5) if reached else created + timedelta(minutes=5),
               "reached_at": reached}
        self.callbacks.append((row, reached))

    async def insert(self, url: str) -> None:
        engine = create_async_engine(url)
        try:
            await self._insert(engine)
        finally:
            await engine.dispose()

    async def _insert(self, engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(Call), list(self.calls.values()))
            await conn.execute(insert(QueueLeg), self.legs)
            for row, reached in self.callbacks:
                callback_id = (await conn.execute(insert(Callback).values(**row).returning(Callback.id))).scalar()
                outcome = AttemptOutcome.ANSWERED if reached else AttemptOutcome.NO_ANSWER
                at = reached or row["created_at"] + timedelta(minutes=5)
                await conn.execute(insert(CallbackAttempt).values(
                    callback_id=callback_id, attempt_no=1, claimed_at=at, originated_at=at, ended_at=at,
                    ringing_at=row["first_ringing_at"], reached_at=reached, outcome=outcome))

    async def remove(self, url: str) -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.startswith(self.prefix)))
                await conn.execute(delete(Call).where(Call.call_id.startswith(self.prefix)))
                await conn.execute(delete(Callback).where(Callback.call_id.startswith(self.prefix)))
        finally:
            await engine.dispose()


def known_calls() -> Recorded:
    r = Recorded()
    # 2026-10-24 23:59 (+02:00): answered after 11 s, 50 s with the adviser.
    r.end("G", r.leg("G", "l1", z(2026, 10, 24, 21, 59), A, 11) + timedelta(seconds=50))
    # 2026-10-25 02:10 (+02:00): answered after 12 s, 300 s.
    r.end("A", r.leg("A", "l1", z(2026, 10, 25, 0, 10), A, 12) + timedelta(seconds=300))
    # 02:20 (+01:00): answered after 30 s, transferred 120 s later; answered in Travail after 40 s, 600 s.
    transferred = r.leg("B", "l1", z(2026, 10, 25, 1, 20), A, 30, "transfer") + timedelta(seconds=120)
    r.end("B", r.leg("B", "l2-travail", transferred + timedelta(seconds=1), A, 40) + timedelta(seconds=600),
          transferred)
    # 02:30 (+02:00): hung up after 3 s (short abandon); 02:40 (+01:00): hung up after 25 s.
    r.leg("C", "l1", z(2026, 10, 25, 0, 30), AB, 3)
    r.leg("D", "l1", z(2026, 10, 25, 1, 40), AB, 25)
    # 02:05 (+01:00): exit key after 50 s, back in, answered after 15 more s (waited 65 s), 240 s.
    r.leg("E", "l1", z(2026, 10, 25, 1, 5), LEFT, 50, "exit_key")
    r.end("E", r.leg("E", "l1", z(2026, 10, 25, 1, 6, 20), A, 15) + timedelta(seconds=240))
    # 02:50 (+01:00): left with a callback after 100 s.
    r.leg("F", "l1", z(2026, 10, 25, 1, 50), CB, 100, "exit_key")
    # 2026-10-26 00:00:30 (+01:00): hung up after 8 s.
    r.leg("H", "l1", z(2026, 10, 25, 23, 0, 30), AB, 8)
    # Callbacks on l1 (promise: 45 min): 02:51 (+01:00) reached in time; 22:30 reached late; 23:30 failed;
    # 00:10 on the 26th reached in time.
    r.callback(z(2026, 10, 25, 1, 51, 40), CallbackStatus.DONE, z(2026, 10, 25, 2, 30))
    r.callback(z(2026, 10, 25, 21, 30), CallbackStatus.DONE, z(2026, 10, 25, 22, 20))
    r.callback(z(2026, 10, 25, 22, 30), CallbackStatus.FAILED, None)
    r.callback(z(2026, 10, 25, 23, 10), CallbackStatus.DONE, z(2026, 10, 25, 23, 20))
    # 2026-03-29: 00:00 (+01:00) short abandon (4 s); 01:59:59 (+01:00) answered in exactly 20 s, 60 s;
    # 03:00 (+02:00) abandoned after exactly 5 s (counted); 03:30 answered after 21 s, still talking;
    # 00:00 (+02:00) on the 30th, another day.
    r.leg("S", "l1", z(2026, 3, 28, 23), AB, 4)
    r.end("P", r.leg("P", "l1", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), A, 20) + timedelta(seconds=60))
    r.leg("Q", "l1", z(2026, 3, 29, 1), AB, 5)
    r.leg("R", "l1", z(2026, 3, 29, 1, 30), A, 21)
    r.end("R", None)
    r.leg("U", "l1", z(2026, 3, 29, 22), AB, 30)
    return r


def inserted(url: str) -> Iterator[Recorded]:
    r = known_calls()
    try:
        asyncio.run(r.insert(url))
        yield r
    finally:
        asyncio.run(r.remove(url))
