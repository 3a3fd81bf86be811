"""Callbacks with real parts: web request -> agent reserved in the queue -> citizen's phone (SIPp UAS) dialled."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentConnect, QueueCallerJoin
from acd.callbacks.types import CallbackOrigin
from allo.auth.roles import Role
from allo.callbacks.crypto import PhoneCipher
from allo.callbacks.store import CallbackStore
from allo.db.callback_models import AttemptOutcome, CallbackAttempt, CallbackStatus
from allo.setup import sipp
from tests.e2e.callback_kit import CitizenPhones, agents_in_l1, callback_rows, wait_attempt, wait_status

pytestmark = pytest.mark.e2e

RETRY_SECONDS = 2.0
RING_SECONDS = 2


@pytest.fixture(scope="module")
def phone_port() -> int:
    return sipp.free_port()


@pytest.fixture
def callback_service(allo_service, phone_port):
    """`allo serve` dialling callbacks to the citizens' phones on `phone_port`, with short test timings."""
    env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{phone_port}",
           "ALLO_CALLBACK_RETRY_MINUTES": str(RETRY_SECONDS / 60), "ALLO_CALLBACK_RING_SECONDS": str(RING_SECONDS),
           "ALLO_CALLBACK_POLL_INTERVAL": "0.3", "ALLO_CALLBACK_GRACE_SECONDS": "3"}
    running = allo_service.proc is not None and allo_service.proc.poll() is None
    if not running or allo_service.env != env or allo_service.fixed_now != allo_service.DEFAULT_NOW:
        allo_service.stop()
        allo_service.env = env
        allo_service.fixed_now = allo_service.DEFAULT_NOW
        allo_service.start()
    return allo_service


@pytest.fixture
def phones(test_settings, phone_port, tmp_path) -> Iterator[CitizenPhones]:
    phones = CitizenPhones(test_settings.sip_port, phone_port, tmp_path / "citizen-phones.log").start()
    yield phones
    phones.stop()


async def test_web_callback_reserves_an_agent_then_calls_the_citizen_once(
        test_settings, callback_service, ami_watch, demo_passwords, phones):
    number = "0611223344"
    async with agents_in_l1(test_settings, demo_passwords, ami_watch.client, ["agent1002"]) as (agent,):
        requested = time.monotonic()
        async with httpx.AsyncClient(base_url=callback_service.base_url, timeout=10) as client:
            booked = await client.post("/api/callbacks", json={"phone": "06 11 22 33 44", "consent": True})
            assert booked.status_code == 201, booked.text
            body = booked.json()
            assert body["status"] == "pending" and "phone" not in body
            invited = await phones.wait_invites(number, 1, timeout=20)
            row, attempts = await wait_status(test_settings, body["id"], CallbackStatus.DONE)
            view = (await client.get(f"/api/callbacks/{body['id']}",
                                     headers=callback_service.headers(Role.SUPERVISOR))).json()
        assert (await asyncio.to_thread(agent.wait, 30)).ok
    seconds = invited - requested
    print(f"request -> citizen's INVITE: {seconds:.2f} s")
    assert seconds < 10  # the promise is 45 minutes; with a free agent it takes the prompts' time
    assert len(phones.invites()[number]) == 1
    assert row.phone_cipher is None and row.closed_at is not None and row.outcome == "answered"
    assert [(a.attempt_no, a.outcome) for a in attempts] == [(1, AttemptOutcome.ANSWERED)]
    (attempt,) = attempts
    assert attempt.agent == "agent1002"
    assert attempt.claimed_at <= attempt.originated_at <= attempt.agent_at <= attempt.ended_at
    # The promise is measured at the citizen's phone: the dial began (AstDB, to the second) after the agent's
    # prompt, and they picked up after that.
    assert attempt.ringing_at is not None and attempt.reached_at is not None
    assert attempt.agent_at - timedelta(seconds=1) <= attempt.ringing_at <= attempt.reached_at <= attempt.ended_at
    assert (row.first_ringing_at, row.reached_at) == (attempt.ringing_at, attempt.reached_at)
    assert view["status"] == "done" and view["late"] is False and "11223344" not in str(view)
    assert view["reached_late"] is False and view["first_ringing_at"] is not None
    # The agent was reserved through the queue, as a caller would be.
    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.channel.startswith("Local/"))
    connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
    assert connected.member_name == "agent1002"


async def test_unanswered_callback_is_tried_three_times_then_failed(
        test_settings, callback_service, ami_watch, demo_passwords, phones):
    number = "0711223344"  # the citizens' phones never pick up numbers in 07
    agents = ["agent1001", "agent1002", "agent2001"]  # one per attempt: no wrap-up wait between attempts
    async with agents_in_l1(test_settings, demo_passwords, ami_watch.client, agents, until_bye=True) as answering:
        async with httpx.AsyncClient(base_url=callback_service.base_url, timeout=10) as client:
            booked = await client.post("/api/callbacks", json={"phone": "+33 7 11 22 33 44", "consent": True})
            assert booked.status_code == 201, booked.text
            public_id = booked.json()["id"]
            row, attempts = await wait_status(test_settings, public_id, CallbackStatus.FAILED, timeout=60)
            view = (await client.get(f"/api/callbacks/{public_id}",
                                     headers=callback_service.headers(Role.SUPERVISOR))).json()
        for phone in answering:
            assert (await asyncio.to_thread(phone.wait, 20)).ok
    assert len(phones.invites()[number]) == 3  # one call per attempt, never more
    assert [(a.attempt_no, a.outcome, a.detail) for a in attempts] == [
        (n, AttemptOutcome.NO_ANSWER, "NOANSWER") for n in (1, 2, 3)]
    assert sorted(a.agent for a in attempts) == sorted(agents)
    for earlier, later in itertools.pairwise(attempts):
        gap = (later.claimed_at - earlier.ended_at).total_seconds()
        assert RETRY_SECONDS - 0.1 <= gap < RETRY_SECONDS + 3, gap
    assert row.phone_cipher is None and row.outcome == "no_answer" and row.attempts == 3
    # Each attempt rang the citizen; none reached them. The first ring is the callback's.
    assert all(a.ringing_at is not None and a.reached_at is None for a in attempts)
    assert row.first_ringing_at == attempts[0].ringing_at and row.reached_at is None
    assert view["late"] is False and view["reached_late"] is None
    assert [a["outcome"] for a in view["attempts"]] == ["no_answer"] * 3 and view["status"] == "failed"


async def test_web_callback_while_the_service_is_closed_waits_for_the_opening(
        test_settings, allo_service, phone_port, ami_watch, phones):
    # Sunday 15:00 (Paris): the general line opens on Monday at 08:00, 17 hours later.
    allo_service.stop()
    allo_service.env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{phone_port}",
                        "ALLO_CALLBACK_POLL_INTERVAL": "0.3"}
    allo_service.fixed_now = "2026-11-22T15:00:00"
    allo_service.start()
    try:
        async with httpx.AsyncClient(base_url=allo_service.base_url, timeout=10) as client:
            asked = datetime.now(UTC)
            booked = await client.post("/api/callbacks", json={"phone": "06 31 00 00 01", "consent": True})
            assert booked.status_code == 201, booked.text
            body = booked.json()
            promised = datetime.fromisoformat(body["due_by"]) - asked
            assert abs(promised - timedelta(hours=17, minutes=45)) < timedelta(minutes=1), promised
            await asyncio.sleep(2)  # several scheduler rounds
            row, attempts = await callback_rows(test_settings, body["id"])
            assert row.status == CallbackStatus.PENDING and attempts == []
            assert row.next_attempt_at - asked > timedelta(hours=16)
            assert not _local_joins(ami_watch) and "0631000001" not in phones.invites()
            assert (await client.delete(f"/api/callbacks/{body['id']}",
                                        headers=allo_service.headers(Role.SUPERVISOR))).status_code == 200
    finally:
        allo_service.stop()
        allo_service.fixed_now = allo_service.DEFAULT_NOW
        allo_service.env = {}


def _local_joins(watch) -> list[QueueCallerJoin]:
    return [e for e in watch.events if isinstance(e, QueueCallerJoin) and e.channel.startswith("Local/")]


async def _pending(store: CallbackStore, phone: str, arrival: datetime) -> str:
    now = datetime.now(UTC)
    row = await store.book(phone=phone, number_hash=f"test-{phone}", queue="l1", origin=CallbackOrigin.WEB,
                           sector=None, call_id=None, original_arrival=arrival, next_attempt_at=now,
                           due_by=now + timedelta(minutes=45))
    return str(row.public_id)


async def test_callbacks_pending_across_a_kill_of_our_service_are_each_dialled_once(
        test_settings, callback_service, ami_watch, demo_passwords, phones):
    agents = ["agent1001", "agent1002", "agent2001", "agent2002"]
    numbers = ["0621000001", "0621000002", "0621000003", "0621000004"]
    engine = create_async_engine(test_settings.sqlalchemy_url)
    store = CallbackStore(engine, PhoneCipher(test_settings.callback_key.get_secret_value()))
    async with agents_in_l1(test_settings, demo_passwords, ami_watch.client, agents, log_in=False) as answering:
        try:
            # Two callbacks reach Asterisk and wait in l1 for an agent (nobody is logged in yet)...
            queued = []
            async with httpx.AsyncClient(base_url=callback_service.base_url, timeout=10) as client:
                for number in numbers[:2]:
                    booked = await client.post("/api/callbacks", json={"phone": number, "consent": True})
                    assert booked.status_code == 201, booked.text
                    queued.append(booked.json()["id"])
            for public_id in queued:
                await wait_attempt(test_settings, public_id, AttemptOutcome.ORIGINATED)
            await ami_watch.wait_for(QueueCallerJoin, lambda e: len(_local_joins(ami_watch)) == 2)
            # ... then our service dies without a word.
            assert callback_service.proc is not None
            callback_service.proc.kill()
            callback_service.proc.wait(10)
            # Meanwhile: one callback booked but not started, and one whose attempt was claimed just before the
            # crash and never sent to Asterisk (the window between the commit and the Originate).
            late_arrival = datetime.now(UTC)
            claimed = await _pending(store, numbers[2], late_arrival)
            (crashed,) = await store.claim_due(datetime.now(UTC), lambda _queue: None)
            async with engine.begin() as conn:
                await conn.execute(update(CallbackAttempt).where(CallbackAttempt.id == crashed.attempt_id)
                                   .values(claimed_at=datetime.now(UTC) - timedelta(minutes=1)))
            not_started = await _pending(store, numbers[3], late_arrival + timedelta(seconds=1))
            callback_service.start()
            # The restarted service adopts the two callbacks waiting in Asterisk and sends the other two: all four
            # wait in l1 before an adviser logs in.
            await ami_watch.wait_for(QueueCallerJoin, lambda e: len(_local_joins(ami_watch)) == 4, timeout=40)
            for username in agents:
                await ami_watch.client.queue_add("l1", f"PJSIP/{username}", username)
            for public_id in [*queued, claimed, not_started]:
                await wait_status(test_settings, public_id, CallbackStatus.DONE, timeout=40)
            for phone in answering:
                assert (await asyncio.to_thread(phone.wait, 30)).ok
        finally:
            await engine.dispose()
    invites = phones.invites()
    assert {number: len(invites[number]) for number in numbers} == dict.fromkeys(numbers, 1)
    for public_id in [*queued, claimed, not_started]:
        _row, attempts = await callback_rows(test_settings, public_id)
        assert [(a.attempt_no, a.outcome) for a in attempts] == [(1, AttemptOutcome.ANSWERED)], attempts
    assert len(_local_joins(ami_watch)) == 4  # the two adopted callbacks were not queued again


async def test_no_number_in_clear_anywhere_once_callbacks_are_closed(test_settings, callback_service, phones):
    digits = "0655443322"
    async with httpx.AsyncClient(base_url=callback_service.base_url, timeout=10) as client:
        booked = await client.post("/api/callbacks", json={"phone": "06 55 44 33 22", "sector": "travail",
                                                           "consent": True})
        assert booked.status_code == 201, booked.text
        public_id = booked.json()["id"]
        # Nobody serves l2-travail here: the callback waits; cancelling closes it.
        supervisor = callback_service.headers(Role.SUPERVISOR)  # the booking above is the anonymous web form's
        cancelled = await client.delete(f"/api/callbacks/{public_id}", headers=supervisor)
        assert cancelled.status_code == 200, cancelled.text
        again = await client.delete(f"/api/callbacks/{public_id}", headers=supervisor)
        assert again.status_code == 409
    row, _attempts = await wait_status(test_settings, public_id, CallbackStatus.CANCELLED)
    assert row.phone_cipher is None
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            open_left = (await conn.execute(text(
                "SELECT count(*) FROM callbacks WHERE status NOT IN ('pending', 'in_progress')"))).scalar_one()
            columns = (await conn.execute(text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN "
                "('text', 'character varying', 'character', 'bytea', 'json', 'jsonb', 'ARRAY')"))).all()
            found: dict[str, list[str]] = {}
            for needle in (digits, digits[1:], "0611223344", "0711223344", "0621000001", "0631000001", "travail"):
                for table, column, kind in columns:
                    if kind == "bytea":
                        condition = f'position(convert_to(:n, \'UTF8\') in "{column}") > 0'
                    else:
                        condition = f'CAST("{column}" AS text) LIKE \'%\' || :n || \'%\''
                    hits = (await conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE {condition}'),
                                               {"n": needle})).scalar_one()
                    if hits:
                        found.setdefault(needle, []).append(f"{table}.{column}")
    finally:
        await engine.dispose()
    assert open_left >= 1 and len(columns) > 10
    assert "travail" in found  # the scan does find what is stored in clear
    assert {needle: where for needle, where in found.items() if needle != "travail"} == {}
