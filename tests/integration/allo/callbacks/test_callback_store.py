"""The callback store against the real PostgreSQL: cipher at rest, erased on close, SKIP LOCKED claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from acd.callbacks.progress import AttemptEnd, Next
from acd.callbacks.types import CallbackOrigin
from allo.callbacks.crypto import PhoneCipher
from allo.callbacks.store import AlreadyPending, CallbackStore, CancelOutcome
from allo.db.callback_models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(test_settings, seeded):
    """The store on the session's database; the callbacks a test books are deleted afterwards, or the end-to-end
    tests' service (same database) would find them due and dial them."""
    engine = create_async_engine(test_settings.sqlalchemy_url)
    async with engine.connect() as conn:
        before = (await conn.execute(text("SELECT coalesce(max(id), 0) FROM callbacks"))).scalar_one()
    yield CallbackStore(engine, PhoneCipher(test_settings.callback_key.get_secret_value()))
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM callbacks WHERE id > :before"), {"before": before})
    await engine.dispose()


# The session's service (same database) dials whatever is due by the real clock: these tests live a month ahead,
# so that its scheduler never claims a callback they book before they do.
AHEAD = timedelta(days=30)


def _clock() -> datetime:
    return datetime.now(UTC) + AHEAD


async def _book(store: CallbackStore, phone: str, *, arrival: datetime, due: datetime | None = None) -> Callback:
    now = _clock()
    return await store.book(phone=phone, number_hash=f"h-{phone}", queue="l1", origin=CallbackOrigin.WEB,
                            sector=None, call_id=None, original_arrival=arrival,
                            next_attempt_at=due or arrival - timedelta(seconds=1),
                            due_by=now + timedelta(minutes=45))


async def _raw(store: CallbackStore, callback_id: int) -> tuple[bytes | None, str]:
    async with store._sessions() as session:
        row = (await session.execute(text("SELECT phone_cipher, status FROM callbacks WHERE id = :i"),
                                     {"i": callback_id})).one()
    return (None if row[0] is None else bytes(row[0])), row[1]


async def test_the_number_is_encrypted_at_rest_and_erased_when_the_callback_closes(store):
    now = _clock()
    row = await _book(store, "0630000001", arrival=now)
    cipher, status = await _raw(store, row.id)
    assert status == "pending" and cipher is not None and b"0630000001" not in cipher
    claimed = [c for c in await store.claim_due(now + timedelta(seconds=1), lambda _q: None)
               if c.callback_id == row.id]
    assert len(claimed) == 1 and claimed[0].phone == "0630000001" and "0630000001" not in repr(claimed[0])
    following = await store.close_attempt(claimed[0].attempt_id, AttemptEnd.ANSWERED, "ANSWER", now, agent="a1",
                                          retry=timedelta(minutes=5), max_attempts=3)
    assert following is Next.DONE
    assert await _raw(store, row.id) == (None, "done")
    # Recorded once: a second report of the same end changes nothing.
    assert await store.close_attempt(claimed[0].attempt_id, AttemptEnd.NO_ANSWER, "NOANSWER", now, agent=None,
                                     retry=timedelta(minutes=5), max_attempts=3) is None


async def test_the_database_refuses_a_closed_callback_that_keeps_its_number(store):
    row = await _book(store, "0630000002", arrival=_clock())
    with pytest.raises(IntegrityError, match="ck_callbacks_erased_when_closed"):
        async with store._sessions() as session, session.begin():
            await session.execute(text("UPDATE callbacks SET status = 'done' WHERE id = :i"), {"i": row.id})


async def test_a_second_pending_request_for_the_same_number_is_refused_even_at_the_same_moment(store):
    now = _clock()
    results = await asyncio.gather(*(_book(store, "0630000003", arrival=now) for _ in range(4)),
                                   return_exceptions=True)
    assert sum(isinstance(r, Callback) for r in results) == 1
    assert sum(isinstance(r, AlreadyPending) for r in results) == 3
    booked = next(r for r in results if isinstance(r, Callback))
    assert (await store.cancel(booked.public_id, now))[0] is CancelOutcome.CANCELLED
    assert (await store.cancel(booked.public_id, now))[0] is CancelOutcome.CLOSED
    assert await _raw(store, booked.id) == (None, "cancelled")
    await _book(store, "0630000003", arrival=now)  # closed: the number may ask again


async def test_concurrent_claims_never_take_the_same_callback_and_go_in_arrival_order(store):
    now = _clock()
    base = datetime(2001, 1, 1, tzinfo=UTC)  # before any other open callback: these are the first in arrival order
    rows = [await _book(store, f"06400000{i:02d}", arrival=base + timedelta(seconds=i), due=now) for i in range(6)]
    mine = {row.id for row in rows}
    batches = await asyncio.gather(*(store.claim_due(now, lambda _q: None, limit=3) for _ in range(3)))
    claimed = [c for batch in batches for c in batch if c.callback_id in mine]
    assert sorted(c.callback_id for c in claimed) == sorted(mine)  # each exactly once
    for batch in batches:
        arrivals = [c.original_arrival for c in batch]
        assert arrivals == sorted(arrivals)
    async with store._sessions() as session:
        attempts = (await session.scalars(select(CallbackAttempt).where(CallbackAttempt.callback_id.in_(mine)))).all()
    assert len(attempts) == 6 and {a.outcome for a in attempts} == {AttemptOutcome.CLAIMED}


async def test_a_closed_service_defers_without_spending_an_attempt_and_failures_retry_then_fail(store):
    now = _clock()
    row = await _book(store, "0630000004", arrival=now)
    later = now + timedelta(hours=3)
    deferred = await store.claim_due(now, lambda _q: later)
    assert all(c.callback_id != row.id for c in deferred)
    async with store._sessions() as session:
        again = await session.get(Callback, row.id)
        assert again is not None and again.attempts == 0 and again.next_attempt_at == later
    when = later
    for attempt_no, expected in ((1, Next.RETRY), (2, Next.RETRY), (3, Next.FAILED)):
        (claimed,) = [c for c in await store.claim_due(when, lambda _q: None) if c.callback_id == row.id]
        assert claimed.attempt_no == attempt_no
        following = await store.close_attempt(claimed.attempt_id, AttemptEnd.BUSY, "BUSY", when, agent=None,
                                              retry=timedelta(minutes=5), max_attempts=3)
        assert following is expected
        assert not [c for c in await store.claim_due(when + timedelta(minutes=4), lambda _q: None)
                    if c.callback_id == row.id]  # not before the retry delay
        when += timedelta(minutes=5)
    assert await _raw(store, row.id) == (None, CallbackStatus.FAILED.value)


async def test_the_first_ring_and_the_reach_are_the_callbacks_and_an_unrung_one_near_its_deadline_is_at_risk(store):
    now = _clock()
    row = await _book(store, "0630000091", arrival=now)
    lead = timedelta(minutes=15)
    assert (row.queue, row.due_by) not in await store.at_risk(now, lead)  # 45 minutes left
    assert (row.queue, row.due_by) in await store.at_risk(now + timedelta(minutes=31), lead)
    (claimed,) = [c for c in await store.claim_due(now + timedelta(seconds=1), lambda _q: None)
                  if c.callback_id == row.id]
    assert claimed.risen is False
    await store.mark_risen(row.id, now + timedelta(minutes=31))
    await store.mark_risen(row.id, now + timedelta(minutes=40))  # the first rise stays
    rang = now + timedelta(minutes=32)
    first = await store.mark_ringing(claimed.attempt_id, rang)
    assert first is not None and first.on_time and first.due_by == row.due_by
    assert await store.mark_ringing(claimed.attempt_id, rang + timedelta(seconds=9)) is None  # once
    assert (row.queue, row.due_by) not in await store.at_risk(now + timedelta(minutes=33), lead)  # it rang
    reached = rang + timedelta(seconds=6)
    assert await store.close_attempt(claimed.attempt_id, AttemptEnd.ANSWERED, "ANSWER", reached, agent="a1",
                                     retry=timedelta(minutes=5), max_attempts=3, reached_at=reached) is Next.DONE
    found = await store.get(row.public_id)
    assert found is not None
    done, (attempt,) = found
    assert (done.first_ringing_at, done.reached_at, done.risen_at) == (rang, reached, now + timedelta(minutes=31))
    assert (attempt.ringing_at, attempt.reached_at) == (rang, reached)
