"""The retention job against the real PostgreSQL, in a database of its own: old journeys and everything hanging
off them erased in batches, recent ones and open callbacks kept, dry run erases nothing, a second run nothing more,
and the background task survives a database that is away."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.cli.main import main
from allo.db.admin_models import AuditEntry
from allo.db.after_call_models import Confirmation, SurveyResponse
from allo.db.callback_models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from allo.db.models import Call, CallNote, CallOutcome, LegOutcome, QueueLeg
from allo.records.retention import RetentionPolicy, run_retention
from allo.records.retention_task import RetentionTask
from tests import reliability
from tests.integration.allo.private_db import emptied_engine, private_url_fixture

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(days=30)
JUST_INSIDE = NOW - timedelta(days=365) + timedelta(hours=1)
WHO = Principal(0, "cli:test", Role.ADMIN, AuthMethod.CLI)
TABLES = (Call, CallNote, QueueLeg, Callback, CallbackAttempt, Confirmation, SurveyResponse)


retention_url = private_url_fixture("retention_url", "allo_retention")
# Each test starts from empty tables, children before their parents.
EMPTIED = (CallbackAttempt, Callback, CallNote, QueueLeg, Call, AuditEntry, Confirmation, SurveyResponse)


@pytest.fixture
async def db(retention_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(retention_url, *(model.__table__.delete() for model in EMPTIED)) as engine:
        yield engine


async def _callback(conn, call_id: str | None, at: datetime, status: CallbackStatus, attempts: int) -> int:
    closed = status not in (CallbackStatus.PENDING, CallbackStatus.IN_PROGRESS)
    callback_id = (await conn.execute(insert(Callback).returning(Callback.id).values(
        public_id=uuid.uuid4(), created_at=at, origin="menu" if call_id else "web", queue="l1", call_id=call_id,
        caller_hash="h" * 64, phone_cipher=None if closed else b"token", original_arrival=at, due_by=at,
        status=status, attempts=attempts, next_attempt_at=at, closed_at=at if closed else None,
        consent=True))).scalar_one()
    for n in range(1, attempts + 1):
        await conn.execute(insert(CallbackAttempt).values(callback_id=callback_id, attempt_no=n, claimed_at=at,
                                                          outcome=AttemptOutcome.NO_ANSWER))
    return callback_id


async def _journey(conn, call_id: str, at: datetime, callback: CallbackStatus = CallbackStatus.DONE) -> None:
    """A call with one note, two queue legs (level 1 then a transfer), a callback with two attempts, a written
    confirmation (sent: its address already erased) and a survey answer."""
    await conn.execute(insert(Call).values(call_id=call_id, caller_hash="h" * 64, dialled="3939", started_at=at,
                                           outcome=CallOutcome.COMPLETED, transferred_to="travail"))
    await conn.execute(insert(CallNote).values(call_id=call_id, author="agent1001", text="note", created_at=at))
    for queue in ("l1", "l2-travail"):
        await conn.execute(insert(QueueLeg).values(call_id=call_id, queue=queue, joined_at=at,
                                                   outcome=LegOutcome.ANSWERED))
    await _callback(conn, call_id, at, callback, attempts=2)
    await _confirmation(conn, call_id, at)
    await conn.execute(insert(SurveyResponse).values(call_id=call_id, queue="l2-travail", agent="agent2001",
                                                     status="complete", satisfaction=4, answered=True, started_at=at))


async def _confirmation(conn, call_id: str, at: datetime) -> None:
    await conn.execute(insert(Confirmation).values(
        call_id=call_id, agent="agent1001", message_id=f"<confirmation-{uuid.uuid4()}@test>", address_enc=None,
        content={"sheets": [], "bodies": []}, status="sent", attempts=1, created_at=at, sent_at=at))


async def _populate(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for n in range(5):
            await _journey(conn, f"old-{n}", OLD - timedelta(minutes=n))
        await _journey(conn, "old-open", OLD, callback=CallbackStatus.PENDING)  # its callback is still open
        for n in range(2):
            await _journey(conn, f"recent-{n}", RECENT)
        await _journey(conn, "just-inside", JUST_INSIDE)
        # Rows whose call row is already gone, and a web callback (no call at all).
        await conn.execute(insert(QueueLeg).values(call_id="orphan", queue="l1", joined_at=OLD,
                                                   outcome=LegOutcome.ABANDONED))
        await conn.execute(insert(CallNote).values(call_id="orphan", author="agent1001", text="x", created_at=OLD))
        await _confirmation(conn, "orphan", OLD)
        await _callback(conn, None, OLD, CallbackStatus.FAILED, attempts=1)
        await _callback(conn, None, RECENT, CallbackStatus.CANCELLED, attempts=0)


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {model.__tablename__: (await conn.scalar(select(func.count()).select_from(model))) or 0
                for model in TABLES}


EXPECTED = {"calls": 6, "queue_legs": 13, "call_notes": 7, "callbacks": 6, "callback_attempts": 11, "recordings": 0,
            "wrong_access_codes": 0, "confirmations": 7, "survey_responses": 6}


async def test_dry_run_counts_what_a_run_would_erase_and_erases_nothing(db):
    await _populate(db)
    before = await _counts(db)
    report = await run_retention(db, RetentionPolicy(365, 183), NOW, WHO, dry_run=True)
    assert report.erased() == EXPECTED and report.dry_run
    assert await _counts(db) == before
    async with db.connect() as conn:
        assert (await conn.scalar(select(func.count()).select_from(AuditEntry))) == 0


async def test_old_journeys_and_what_hangs_off_them_are_erased_in_batches_and_recent_ones_kept(db):
    await _populate(db)
    before = await _counts(db)
    report = await run_retention(db, RetentionPolicy(365, 183, batch=2), NOW, WHO)
    assert report.erased() == EXPECTED
    # 6 old calls by 2 = 3 batches, then one each for the orphan leg, note, confirmation and the web callback.
    assert report.batches == 7
    after = await _counts(db)
    assert {table: before[table] - after[table] for table in after} == {
        "calls": 6, "call_notes": 7, "queue_legs": 13, "callbacks": 6, "callback_attempts": 11, "confirmations": 7,
        "survey_responses": 6}
    async with db.connect() as conn:
        calls = set((await conn.scalars(select(Call.call_id))).all())
        kept = (await conn.execute(select(Callback.call_id, Callback.status))).all()
        legs = set((await conn.scalars(select(QueueLeg.call_id))).all())
        audit = (await conn.execute(select(AuditEntry))).one()
    assert calls == {"recent-0", "recent-1", "just-inside"} and legs == calls
    assert sorted((c or "", s.value) for c, s in kept) == sorted(
        [("old-open", "pending"), ("recent-0", "done"), ("recent-1", "done"), ("just-inside", "done"),
         ("", "cancelled")])
    assert (audit.actor, audit.action) == ("cli:test", "privacy.retention")
    assert audit.detail == {"journey_days": 365, "recording_days": 183, "batches": 7, **EXPECTED}
    started = time.monotonic()
    again = await run_retention(db, RetentionPolicy(365, 183, batch=2), NOW, WHO)
    second_run_s = time.monotonic() - started
    reliability.record(
        "privacy_retention_erases_old_journeys", kind="privacy",
        title="Retention: journeys older than a year erased with what hangs off them, in batches",
        load="9 journeys (6 older than 365 days, one with its callback still open), orphan rows, web callbacks; "
             "batches of 2 rows",
        observed={**{f"{name} erased": count for name, count in report.erased().items() if name != "recordings"},
                  "batches (transactions)": report.batches,
                  "calls kept (within a year)": len(calls), "open callbacks kept": 1,
                  "erased by a second run": sum(again.erased().values()), "second run s": round(second_run_s, 3)},
        passed=sum(again.erased().values()) == 0 and report.erased() == EXPECTED)
    assert sum(again.erased().values()) == 0 and await _counts(db) == after


async def test_recordings_older_than_their_retention_are_erased(db, tmp_path):
    monitor = tmp_path / "spool" / "monitor"
    (monitor / "2026").mkdir(parents=True)
    old, fresh = monitor / "2026" / "old.wav", monitor / "fresh.wav"
    for path in (old, fresh):
        path.write_bytes(b"RIFF")
    aged = (NOW - timedelta(days=200)).timestamp()
    os.utime(old, (aged, aged))
    policy = RetentionPolicy(365, 183, recording_dirs=(monitor, tmp_path / "absent"))
    assert (await run_retention(db, policy, NOW, WHO, dry_run=True)).recordings == 1 and old.exists()
    assert (await run_retention(db, policy, NOW, WHO)).recordings == 1
    assert not old.exists() and fresh.exists() and monitor.is_dir()


async def test_the_background_task_erases_old_journeys_and_survives_a_database_away(db, retention_url, caplog):
    async with db.begin() as conn:
        await _journey(conn, "old-task", OLD)
    task = RetentionTask(db, RetentionPolicy(365, 183), interval=0.3, first_delay=0)
    await task.start()
    try:
        deadline = time.monotonic() + 10
        while task.runs < 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await task.stop()
    assert task.runs >= 1 and task.failures == 0 and (await _counts(db))["calls"] == 0
    # Nothing listens on port 1: each run fails at once, is logged, and the next one is tried.
    away = create_async_engine(retention_url.replace(retention_url.split("@")[1].split("/")[0], "127.0.0.1:1"))
    failing = RetentionTask(away, RetentionPolicy(365, 183), interval=0.2, first_delay=0)
    with caplog.at_level(logging.WARNING, logger="allo.records.retention_task"):
        await failing.start()
        try:
            deadline = time.monotonic() + 10
            while failing.failures < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert failing.running
        finally:
            await failing.stop()
            await away.dispose()
    assert failing.failures >= 2 and failing.runs == 0
    assert "retention run failed" in caplog.text


async def test_allo_retention_run_on_demand_dry_run_then_for_real(db, retention_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ALLO_DATABASE_URL", retention_url)
    monkeypatch.setenv("ALLO_ASTERISK_ROOT", str(tmp_path / "asterisk-root"))  # recordings looked for there only
    await _populate(db)
    before = await _counts(db)
    command = ["--state-dir", str(tmp_path / "state"), "retention", "run"]
    assert await asyncio.to_thread(main, [*command, "--dry-run"]) == 0
    assert "would erase 6 calls, 13 queue_legs, 7 call_notes, 6 callbacks, 11 callback_attempts" in (
        capsys.readouterr().out)
    assert await _counts(db) == before
    assert await asyncio.to_thread(main, [*command, "--batch", "4"]) == 0
    assert "erased 6 calls, 13 queue_legs" in capsys.readouterr().out and (await _counts(db))["calls"] == 3
    async with db.connect() as conn:
        actor = (await conn.scalars(select(AuditEntry.actor))).one()
    assert actor.startswith("cli:")
    assert await asyncio.to_thread(main, [*command, "--batch", "0"]) == 1
    assert "--batch must be 1 or more" in capsys.readouterr().err


async def test_a_year_of_calls_is_erased_in_bounded_batches(db):
    n = 20_000
    async with db.begin() as conn:  # generated in SQL: 20 000 old calls with two legs each, 100 recent ones
        await conn.execute(text(
            "INSERT INTO calls (call_id, caller_hash, dialled, started_at, outcome) "
            "SELECT 'bulk-' || i, md5(i::text) || md5(i::text), '3939', "
            "CAST(:old AS timestamptz) - make_interval(mins => i), 'completed' FROM generate_series(1, :n) AS i"),
            {"old": OLD, "n": n})
        await conn.execute(text(
            "INSERT INTO queue_legs (call_id, queue, joined_at, outcome) "
            "SELECT call_id, q, started_at, 'answered' FROM calls, unnest(ARRAY['l1', 'l2-travail']) AS q"))
        for i in range(100):
            await _journey(conn, f"recent-bulk-{i}", RECENT)
    started = time.monotonic()
    report = await run_retention(db, RetentionPolicy(365, 183), NOW, WHO)
    seconds = time.monotonic() - started
    after = await _counts(db)
    reliability.record(
        "privacy_retention_bulk", kind="privacy",
        title="Retention of 20 000 old journeys: bounded batches of 500 rows",
        load=f"{n} calls older than a year with 2 queue legs each, 100 recent journeys, one PostgreSQL",
        observed={"calls erased": report.calls, "queue legs erased": report.queue_legs,
                  "batches (transactions)": report.batches, "rows per batch at most": 500,
                  "seconds": round(seconds, 2), "calls erased per second": round(report.calls / seconds),
                  "recent calls kept": after["calls"]},
        passed=report.calls == n and after["calls"] == 100)
    assert (report.calls, report.queue_legs, report.batches) == (n, 2 * n, n // 500)
    assert after["calls"] == 100 and after["queue_legs"] == 200


async def test_every_lookup_of_the_retention_job_has_an_index(db):
    """With sequential scans priced out, PostgreSQL still plans one where no index serves: each batch of a year of
    8,000 calls a day must not scan whole tables."""
    lookups = {
        "calls by time": "SELECT call_id FROM calls WHERE started_at < now()",
        "callbacks of calls": "SELECT id FROM callbacks WHERE call_id IN ('a', 'b')",
        "web callbacks by time": "SELECT id FROM callbacks WHERE created_at < now()",
        "attempts of callbacks": "SELECT id FROM callback_attempts WHERE callback_id IN (1, 2)",
        "notes of calls": "SELECT id FROM call_notes WHERE call_id IN ('a', 'b')",
        "notes by time": "SELECT id FROM call_notes WHERE created_at < now()",
        "legs of calls": "SELECT id FROM queue_legs WHERE call_id IN ('a', 'b')",
        "legs by time": "SELECT id FROM queue_legs WHERE joined_at < now()",
    }
    async with db.connect() as conn:
        await conn.execute(text("SET enable_seqscan = off"))
        for what, sql in lookups.items():
            plan = "\n".join(row[0] for row in await conn.execute(text(f"EXPLAIN {sql}")))
            assert "Seq Scan" not in plan, f"{what}:\n{plan}"


async def test_one_retention_run_at_a_time_across_processes(db, retention_url):
    """Two nodes (docs/scaling.md): a run is skipped while another process holds the lock (a second engine holds
    it here); the lock is let go after each run, so the next run of either process may take it."""
    from allo.db.leader import AdvisoryLeader
    from allo.records.retention_task import LOCK_KEY

    async with db.begin() as conn:
        await _journey(conn, "old-locked", OLD)
    other = create_async_engine(retention_url)
    holder = AdvisoryLeader(other, LOCK_KEY, "retention (another node)")
    task = RetentionTask(db, RetentionPolicy(365, 183), interval=3600, first_delay=0)
    try:
        assert await holder.lead()
        assert await task.run_once() is None and (task.skipped, task.runs) == (1, 0)
        assert (await _counts(db))["calls"] == 1  # nothing erased by the process without the lock
        await holder.release()
        report = await task.run_once()
        assert report is not None and task.runs == 1 and (await _counts(db))["calls"] == 0
        assert await holder.lead()  # let go after the run: the other process may run the next one
    finally:
        await holder.release()
        await task.stop()
        await other.dispose()
