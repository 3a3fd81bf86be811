"""Callbacks and attempts in PostgreSQL: book, claim what is due (SKIP LOCKED), record each step, close.

The number is encrypted before it is written and erased (phone_cipher NULL, in the same UPDATE as the closing
status) when a callback closes; it is decrypted only to build the dial string of an attempt.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from acd.callbacks.progress import AttemptEnd, Next, RowStage, after_attempt
from acd.callbacks.types import CallbackOrigin
from allo.callbacks.crypto import PhoneCipher
from allo.db.callback_models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from allo.db.models import Queue

OPEN_OUTCOMES = (AttemptOutcome.CLAIMED, AttemptOutcome.ORIGINATED, AttemptOutcome.AGENT_RESERVED)
OPEN_STATUSES = (CallbackStatus.PENDING, CallbackStatus.IN_PROGRESS)


class AlreadyPending(Exception):
    """This number already has a callback waiting."""


@dataclass(frozen=True)
class Claimed:
    attempt_id: int
    callback_id: int
    attempt_no: int
    queue: str
    original_arrival: datetime
    due_by: datetime
    phone: str = field(repr=False)  # in clear only in memory, for the dial string
    risen: bool = False


@dataclass(frozen=True)
class OpenAttempt:
    attempt_id: int
    stage: RowStage
    moved_at: datetime  # when the row last moved forward (claimed, originated)
    queue: str
    original_arrival: datetime
    callback_id: int = 0
    due_by: datetime | None = None
    ringing: bool = False  # the dial towards the citizen began (ringing_at recorded)
    risen: bool = False  # the callback already rose ahead of new arrivals


@dataclass(frozen=True)
class Ring:
    """The first ring of a callback, just recorded."""

    due_by: datetime
    on_time: bool


class CancelOutcome(enum.StrEnum):
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class CallbackStore:
    def __init__(self, engine: AsyncEngine, cipher: PhoneCipher) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._cipher = cipher

    async def queue_exists(self, queue: str) -> bool:
        async with self._sessions() as session:
            return await session.scalar(select(Queue.id).where(Queue.name == queue)) is not None

    async def sectors(self) -> list[tuple[str, str]]:
        """(sector, label) of every level-2 queue, for the public callback page."""
        async with self._sessions() as session:
            rows = (await session.execute(select(Queue.sector, Queue.label).where(Queue.sector.is_not(None))
                                          .order_by(Queue.label))).all()
        return [(r.sector, r.label or r.sector) for r in rows]

    async def queue_of_sector(self, sector: str) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(Queue.name).where(Queue.sector == sector))

    async def book(self, *, phone: str, number_hash: str, queue: str, origin: CallbackOrigin, sector: str | None,
                   call_id: str | None, original_arrival: datetime, next_attempt_at: datetime,
                   due_by: datetime, older_hashes: Sequence[str] = ()) -> Callback:
        """`older_hashes`: the number's pseudonyms under previous keys, so a rotation does not let it book twice."""
        async with self._sessions() as session, session.begin():
            # Serialise bookings of one number so two simultaneous requests cannot both pass the check.
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:h))"), {"h": number_hash})
            pending = await session.scalar(select(Callback.id).where(
                Callback.caller_hash.in_([number_hash, *older_hashes]), Callback.status.in_(OPEN_STATUSES)))
            if pending is not None:
                raise AlreadyPending
            row = Callback(public_id=uuid.uuid4(), origin=origin.value, queue=queue, sector=sector,
                           call_id=call_id, caller_hash=number_hash, phone_cipher=self._cipher.encrypt(phone),
                           original_arrival=original_arrival, due_by=due_by, status=CallbackStatus.PENDING,
                           attempts=0, next_attempt_at=next_attempt_at, consent=True)
            session.add(row)
        return row

    async def claim_due(self, now: datetime, defer: Callable[[str], datetime | None],
                        limit: int = 20) -> list[Claimed]:
        """Claim due callbacks in arrival order: attempt row written and committed before any Originate.

        `defer(queue)` gives a later time when the queue's service is closed (the callback waits, no attempt).
        """
        claimed: list[Claimed] = []
        async with self._sessions() as session, session.begin():
            rows = (await session.scalars(
                select(Callback).where(Callback.status == CallbackStatus.PENDING, Callback.next_attempt_at <= now)
                .order_by(Callback.original_arrival).limit(limit).with_for_update(skip_locked=True))).all()
            for row in rows:
                later = defer(row.queue)
                if later is not None:
                    row.next_attempt_at = later
                    continue
                row.attempts += 1
                row.status = CallbackStatus.IN_PROGRESS
                attempt = CallbackAttempt(callback_id=row.id, attempt_no=row.attempts, claimed_at=now,
                                          outcome=AttemptOutcome.CLAIMED)
                session.add(attempt)
                await session.flush()
                claimed.append(self._claimed(attempt, row))
        return claimed

    def _claimed(self, attempt: CallbackAttempt, row: Callback) -> Claimed:
        assert row.phone_cipher is not None  # open callbacks always have their number (CHECK constraint)
        return Claimed(attempt.id, row.id, attempt.attempt_no, row.queue, row.original_arrival, row.due_by,
                       self._cipher.decrypt(row.phone_cipher), risen=row.risen_at is not None)

    async def reclaim(self, attempt_id: int, now: datetime) -> Claimed | None:
        """A claimed attempt that never reached Asterisk, to originate again (None if its callback moved on)."""
        async with self._sessions() as session, session.begin():
            attempt = await session.get(CallbackAttempt, attempt_id, with_for_update=True)
            if attempt is None or attempt.outcome is not AttemptOutcome.CLAIMED:
                return None
            row = await session.get(Callback, attempt.callback_id)
            if row is None or row.status is not CallbackStatus.IN_PROGRESS:
                attempt.outcome, attempt.ended_at = AttemptOutcome.CANCELLED, now
                return None
            attempt.claimed_at = now
            return self._claimed(attempt, row)

    async def open_attempts(self) -> list[OpenAttempt]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(CallbackAttempt.id, CallbackAttempt.outcome, CallbackAttempt.claimed_at,
                       CallbackAttempt.originated_at, CallbackAttempt.ringing_at, Callback.queue,
                       Callback.original_arrival, Callback.id.label("callback_id"), Callback.due_by, Callback.risen_at)
                .join(Callback, Callback.id == CallbackAttempt.callback_id)
                .where(CallbackAttempt.outcome.in_(OPEN_OUTCOMES)).order_by(CallbackAttempt.id))).all()
        return [OpenAttempt(r.id, RowStage(r.outcome.value), r.originated_at or r.claimed_at, r.queue,
                            r.original_arrival, r.callback_id, r.due_by, r.ringing_at is not None,
                            r.risen_at is not None) for r in rows]

    async def mark_ringing(self, attempt_id: int, at: datetime) -> Ring | None:
        """Record when the dial towards the citizen began; a Ring when it is the callback's first."""
        async with self._sessions() as session, session.begin():
            attempt = await session.get(CallbackAttempt, attempt_id, with_for_update=True)
            if attempt is None or attempt.ringing_at is not None:
                return None
            attempt.ringing_at = at
            row = await session.get(Callback, attempt.callback_id, with_for_update=True)
            if row is None or row.first_ringing_at is not None:
                return None
            row.first_ringing_at = at
            return Ring(row.due_by, at <= row.due_by)

    async def mark_risen(self, callback_id: int, at: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(Callback).where(Callback.id == callback_id, Callback.risen_at.is_(None))
                                  .values(risen_at=at))

    async def at_risk(self, now: datetime, lead: timedelta) -> list[tuple[str, datetime]]:
        """(queue, due_by) of open callbacks within `lead` of their deadline whose citizen's phone has not rung."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(Callback.queue, Callback.due_by).where(
                    Callback.status.in_(OPEN_STATUSES), Callback.first_ringing_at.is_(None),
                    Callback.due_by <= now + lead).order_by(Callback.due_by))).all()
        return [(r.queue, r.due_by) for r in rows]

    async def closed_before(self, attempt_ids: list[int], cutoff: datetime) -> set[int]:
        """Which of these attempts ended before `cutoff` (their AstDB state may be forgotten)."""
        if not attempt_ids:
            return set()
        async with self._sessions() as session:
            rows = await session.scalars(select(CallbackAttempt.id).where(
                CallbackAttempt.id.in_(attempt_ids), CallbackAttempt.ended_at < cutoff))
            return set(rows.all())

    async def mark_originated(self, attempt_id: int, at: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(CallbackAttempt).where(
                CallbackAttempt.id == attempt_id, CallbackAttempt.outcome == AttemptOutcome.CLAIMED)
                .values(outcome=AttemptOutcome.ORIGINATED,
                        originated_at=func.coalesce(CallbackAttempt.originated_at, at)))

    async def mark_reserved(self, attempt_id: int, agent: str | None, at: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(CallbackAttempt).where(
                CallbackAttempt.id == attempt_id,
                CallbackAttempt.outcome.in_((AttemptOutcome.CLAIMED, AttemptOutcome.ORIGINATED)))
                .values(outcome=AttemptOutcome.AGENT_RESERVED, agent=agent, agent_at=at,
                        originated_at=func.coalesce(CallbackAttempt.originated_at, at)))

    async def close_attempt(self, attempt_id: int, end: AttemptEnd, detail: str, now: datetime, *,
                            agent: str | None, retry: timedelta, max_attempts: int,
                            reached_at: datetime | None = None) -> Next | None:
        """Record how the attempt ended and what the callback does next; None when it was already recorded."""
        async with self._sessions() as session, session.begin():
            attempt = await session.get(CallbackAttempt, attempt_id, with_for_update=True)
            if attempt is None or attempt.outcome not in OPEN_OUTCOMES:
                return None
            row = await session.get(Callback, attempt.callback_id, with_for_update=True)
            assert row is not None
            attempt.outcome, attempt.ended_at = AttemptOutcome(end.value), now
            attempt.detail = "; ".join(part for part in (attempt.detail, detail) if part)[:120]
            attempt.agent = attempt.agent or agent
            if end is AttemptEnd.ANSWERED:
                attempt.reached_at = reached_at or now
                row.reached_at = row.reached_at or attempt.reached_at
            if row.status is not CallbackStatus.IN_PROGRESS:
                return None
            following = after_attempt(end, row.attempts, max_attempts)
            if following is Next.RETRY:
                row.status, row.next_attempt_at = CallbackStatus.PENDING, now + retry
            else:
                row.status = CallbackStatus.DONE if following is Next.DONE else CallbackStatus.FAILED
                row.closed_at, row.outcome, row.phone_cipher = now, end.value, None
            return following

    async def cancel(self, public_id: uuid.UUID, now: datetime) -> tuple[CancelOutcome, int | None]:
        """Cancel a callback: (CancelOutcome, the open attempt whose Asterisk side must be stopped, if any)."""
        async with self._sessions() as session, session.begin():
            callback_id = await session.scalar(select(Callback.id).where(Callback.public_id == public_id))
            if callback_id is None:
                return CancelOutcome.NOT_FOUND, None
            # The open attempt is locked before the callback, in close_attempt's order: locking the callback
            # first deadlocked with an attempt ending at the same moment (seen in CI).
            open_attempt = select(CallbackAttempt).where(
                CallbackAttempt.callback_id == callback_id,
                CallbackAttempt.outcome.in_(OPEN_OUTCOMES)).with_for_update()
            attempt = await session.scalar(open_attempt)
            row = await session.scalar(select(Callback).where(Callback.id == callback_id).with_for_update())
            assert row is not None
            if row.status not in OPEN_STATUSES:
                return CancelOutcome.CLOSED, None
            if attempt is None:  # claimed by the scheduler while we waited for the callback's lock
                attempt = await session.scalar(open_attempt)
            if attempt is not None:
                attempt.outcome, attempt.ended_at = AttemptOutcome.CANCELLED, now
            row.status, row.closed_at, row.outcome, row.phone_cipher = CallbackStatus.CANCELLED, now, "cancelled", None
            return CancelOutcome.CANCELLED, None if attempt is None else attempt.id

    async def attempt_stage(self, public_id: uuid.UUID) -> tuple[int, RowStage] | None:
        """The open attempt of a callback, if any."""
        async with self._sessions() as session:
            found = (await session.execute(
                select(CallbackAttempt.id, CallbackAttempt.outcome)
                .join(Callback, Callback.id == CallbackAttempt.callback_id)
                .where(Callback.public_id == public_id, CallbackAttempt.outcome.in_(OPEN_OUTCOMES)))).first()
        return None if found is None else (found.id, RowStage(found.outcome.value))

    async def get(self, public_id: uuid.UUID) -> tuple[Callback, list[CallbackAttempt]] | None:
        async with self._sessions() as session:
            row = await session.scalar(select(Callback).where(Callback.public_id == public_id))
            if row is None:
                return None
            attempts = (await session.scalars(select(CallbackAttempt).where(CallbackAttempt.callback_id == row.id)
                                              .order_by(CallbackAttempt.attempt_no))).all()
        return row, list(attempts)

    async def list_open(self) -> list[Callback]:
        async with self._sessions() as session:
            rows = await session.scalars(select(Callback).where(Callback.status.in_(OPEN_STATUSES))
                                         .order_by(Callback.original_arrival))
            return list(rows.all())
