"""A known history of two advisers of their own around the autumn clock change of 2026 (inserted with a prefix of
its own and deleted afterwards): queue legs, a repeat caller rung directly, a callback, a transfer, the state
history (login, pause, wrap-up) and survey answers. Times are UTC; on 2026-10-25 Paris is +02:00 until 01:00 UTC,
then +01:00 (the day lasts 25 hours).

Adviser X (« Xavier Essai »), logged in 2026-10-24 22:00 (+02:00) until 2026-10-26 01:00 (+01:00), a lunch
pause 23:30 → 00:30 across midnight; on the 25th: a queue call (300 s), a queue call transferred to Travail after
120 s, a repeat caller rung directly (240 s), a callback (360 s); four wrap-ups of 60, 30, 30, 60 s; surveys 5/yes
and 3/no. Adviser Y (« Yvonne Essai »): logged in 09:00-10:00 UTC on the 25th, took the transferred call at level
2 (600 s), survey 4/yes. Wrap-up forms: X saved three and let one expire, Y saved one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.after_call_models import SurveyResponse
from allo.db.callback_models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from allo.db.desk_models import AgentStateEvent, CallWrapup
from allo.db.models import Agent, Call, CallOutcome, LegOutcome, QueueLeg


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Advisers:
    def __init__(self) -> None:
        self.prefix = f"adv{uuid.uuid4().hex[:8]}"
        self.x, self.y = f"{self.prefix}x", f"{self.prefix}y"

    def cid(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def rows(self) -> dict[type, list[dict]]:
        x, y, cid = self.x, self.y, self.cid
        calls = [
            {"call_id": cid("q1"), "ended_at": z(2026, 10, 25, 8, 5)},
            {"call_id": cid("q2"), "ended_at": z(2026, 10, 25, 9, 12, 30), "transferred_at": z(2026, 10, 25, 9, 2),
             "transferred_to": "travail", "level1_agent": x},
            {"call_id": cid("r1"), "ended_at": z(2026, 10, 25, 10, 4), "preferred_agent": True},
        ]
        for call in calls:
            for key in ("transferred_at", "transferred_to", "level1_agent"):
                call.setdefault(key, None)
            call.setdefault("preferred_agent", False)
            call.update(dialled="3939", started_at=z(2026, 10, 25, 7), outcome=CallOutcome.COMPLETED)
        legs = [
            {"call_id": cid("q1"), "queue": "l1", "joined_at": z(2026, 10, 25, 7, 59, 50), "agent": x,
             "left_at": z(2026, 10, 25, 8), "outcome": LegOutcome.ANSWERED, "wait_seconds": 10, "end_reason": None},
            {"call_id": cid("q2"), "queue": "l1", "joined_at": z(2026, 10, 25, 8, 59, 50), "agent": x,
             "left_at": z(2026, 10, 25, 9), "outcome": LegOutcome.ANSWERED, "wait_seconds": 10,
             "end_reason": "transfer"},
            {"call_id": cid("q2"), "queue": "l2-travail", "joined_at": z(2026, 10, 25, 9, 2, 1), "agent": y,
             "left_at": z(2026, 10, 25, 9, 2, 30), "outcome": LegOutcome.ANSWERED, "wait_seconds": 29,
             "end_reason": None},
            {"call_id": cid("r1"), "queue": "l1", "joined_at": z(2026, 10, 25, 10), "agent": x,
             "left_at": z(2026, 10, 25, 10), "outcome": LegOutcome.ANSWERED, "wait_seconds": 0,
             "end_reason": "preferred_agent"},
        ]
        states = [(x, "login", z(2026, 10, 24, 20), None), (x, "pause", z(2026, 10, 24, 21, 30), "dejeuner"),
                  (x, "resume", z(2026, 10, 24, 22, 30), None), (x, "logout", z(2026, 10, 26), None),
                  (y, "login", z(2026, 10, 25, 9), None), (y, "logout", z(2026, 10, 25, 10), None)]
        for start, seconds in ((z(2026, 10, 25, 8, 5), 60), (z(2026, 10, 25, 9, 2), 30), (z(2026, 10, 25, 10, 4), 30),
                               (z(2026, 10, 25, 11, 6), 60)):
            states += [(x, "wrapup_start", start, None), (x, "wrapup_end", start + timedelta(seconds=seconds), None)]
        surveys = [(cid("q1"), x, 5, True), (cid("r1"), x, 3, False), (cid("q2"), y, 4, True)]
        # Wrap-up forms: X saved three and let the callback's expire; Y saved theirs.
        forms = [(cid("q1"), x, z(2026, 10, 25, 8, 5), False), (cid("q2"), x, z(2026, 10, 25, 9, 2), False),
                 (cid("r1"), x, z(2026, 10, 25, 10, 4), False), (cid("cb"), x, z(2026, 10, 25, 11, 6), True),
                 (cid("q2"), y, z(2026, 10, 25, 9, 12, 30), False)]
        return {
            CallWrapup: [{"call_id": c, "agent": a, "queue": "l1", "call_ended_at": at, "expired": expired,
                          "done_at": None if expired else at + timedelta(seconds=20),
                          "reason_kind": None if expired else "list", "reason_code": None if expired else "autre",
                          "outcome": None if expired else "answered"} for c, a, at, expired in forms],
            Agent: [{"username": name, "display_name": label, "password_digest": "0" * 32, "enabled": False}
                    for name, label in ((x, "Xavier Essai"), (y, "Yvonne Essai"))],
            Call: calls, QueueLeg: legs,
            AgentStateEvent: [{"agent": a, "state": s, "at": at, "reason": r, "source": "desk"}
                              for a, s, at, r in states],
            SurveyResponse: [{"call_id": c, "agent": a, "queue": "l1", "satisfaction": mark, "answered": yes,
                              "status": "complete", "started_at": z(2026, 10, 25, 12)} for c, a, mark, yes in surveys],
        }

    async def insert(self, url: str) -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                for table, rows in self.rows().items():
                    await conn.execute(insert(table), rows)
                at = z(2026, 10, 25, 10, 55)
                callback_id = (await conn.execute(insert(Callback).values(
                    origin="queue", queue="l1", call_id=self.cid("cb"), created_at=at, original_arrival=at,
                    due_by=at + timedelta(minutes=45), status=CallbackStatus.DONE, next_attempt_at=at, consent=True,
                    attempts=1, first_ringing_at=z(2026, 10, 25, 10, 59, 50), reached_at=z(2026, 10, 25, 11))
                    .returning(Callback.id))).scalar()
                await conn.execute(insert(CallbackAttempt).values(
                    callback_id=callback_id, attempt_no=1, claimed_at=at, agent=self.x, agent_at=at,
                    reached_at=z(2026, 10, 25, 11), ended_at=z(2026, 10, 25, 11, 6), outcome=AttemptOutcome.ANSWERED))
        finally:
            await engine.dispose()

    async def remove(self, url: str) -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                like = f"{self.prefix}%"
                await conn.execute(delete(SurveyResponse).where(SurveyResponse.call_id.like(like)))
                await conn.execute(delete(CallWrapup).where(CallWrapup.call_id.like(like)))
                await conn.execute(delete(AgentStateEvent).where(AgentStateEvent.agent.like(like)))
                await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.like(like)))
                await conn.execute(delete(Call).where(Call.call_id.like(like)))
                await conn.execute(delete(Callback).where(Callback.call_id.like(like)))
                await conn.execute(delete(Agent).where(Agent.username.like(like)))
        finally:
            await engine.dispose()


def inserted(url: str) -> Iterator[Advisers]:
    history = Advisers()
    try:
        asyncio.run(history.insert(url))
        yield history
    finally:
        asyncio.run(history.remove(url))
