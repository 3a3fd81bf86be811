"""The wrong-code ledger against the real PostgreSQL, in a database of its own: counts by pseudonym and pooled within
their windows, one audit entry at the crossing even with writes at once, one per surge, the safe default when the
database is away, and the retention task erasing rows past the longest window."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.cli.main import main
from allo.code_guard.guard import CallCodeGuard
from allo.code_guard.ledger import CodeLedger
from allo.db.admin_models import AuditEntry
from allo.db.models import WrongAccessCode
from allo.metrics import Metrics
from allo.privacy.pseudonyms import PseudonymKeys
from allo.records.retention import RetentionPolicy, run_retention
from allo.settings import Settings
from allo.setup.secrets import ensure_secrets
from allo.setup.sipp import free_port
from ivr.code_limit import CodeGate, CodeLimits, WrongCodeCounts
from tests.integration.allo.private_db import emptied_engine, private_url_fixture

pytestmark = pytest.mark.integration

LIMITS = CodeLimits(max_wrong=10, window_hours=24, pool_max_wrong=3, pool_window_minutes=10, surge_per_minute=1000)
ALICE, BOB = "a" * 64, "b" * 64


def now() -> datetime:
    """Read at each use: the ledger counts against the database's clock, and in a whole-suite run this module runs
    long after it is imported (a time taken at import put the pooled row of 5 minutes ago outside its window)."""
    return datetime.now(UTC)


ledger_url = private_url_fixture("ledger_url", "allo_ledger")


@pytest.fixture
async def db(ledger_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(ledger_url, *(model.__table__.delete() for model in (WrongAccessCode, AuditEntry))) \
            as engine:
        yield engine


async def _rows(engine: AsyncEngine, *rows: tuple[str | None, datetime]) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(WrongAccessCode), [{"caller_hash": h, "at": at} for h, at in rows])


async def _audits(engine: AsyncEngine, action: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


async def test_counts_by_pseudonym_and_pooled_within_their_windows(db):
    await _rows(db, (ALICE, now() - timedelta(hours=1)), (ALICE, now() - timedelta(hours=23)),
                (ALICE, now() - timedelta(hours=25)), (BOB, now()), (None, now() - timedelta(minutes=5)),
                (None, now() - timedelta(minutes=15)))
    ledger = CodeLedger(db, LIMITS, Metrics())
    assert await ledger.counts([ALICE], pooled=False) == WrongCodeCounts(caller=2, pool=0)
    assert await ledger.counts([ALICE, BOB], pooled=False) == WrongCodeCounts(caller=3, pool=0)  # older keys too
    assert await ledger.counts([], pooled=True) == WrongCodeCounts(caller=0, pool=1)


async def test_one_audit_entry_when_a_pseudonym_reaches_its_limit_even_with_writes_at_once(db):
    await _rows(db, *[(ALICE, now() - timedelta(minutes=n)) for n in range(1, 8)])  # 7 already
    ledger = CodeLedger(db, LIMITS, Metrics())
    for _ in range(6):  # 8th to 13th at once
        ledger.record(ALICE, relay=False)
    await ledger.stop()
    assert (await ledger.counts([ALICE], pooled=False)).caller == 13
    assert await _audits(db, "access_code.caller_blocked") == 1
    guard = CallCodeGuard(ledger, [ALICE], relay=False)
    assert (await guard.gate()).gate is CodeGate.CALLER_LIMIT


async def test_relay_calls_and_callers_without_a_number_are_pooled(db):
    ledger = CodeLedger(db, LIMITS, Metrics())
    relay = CallCodeGuard(ledger, [BOB], relay=True)
    anonymous = CallCodeGuard(ledger, [], relay=False)
    for guard in (relay, anonymous, relay):
        assert (await guard.gate()).gate is CodeGate.ASK
        guard.wrong_code()
    await ledger.stop()
    assert (await ledger.counts([BOB], pooled=False)).caller == 0  # the relay's number is not held by its own
    assert (await relay.gate()).gate is CodeGate.POOL_LIMIT
    assert (await anonymous.gate()).gate is CodeGate.POOL_LIMIT
    assert (await CallCodeGuard(ledger, [BOB], relay=False).gate()).gate is CodeGate.ASK


async def test_one_audit_entry_per_surge(db):
    ledger = CodeLedger(db, CodeLimits(surge_per_minute=5), Metrics())
    for n in range(12):
        ledger.record(f"{n:064d}", relay=False)
    await ledger.stop()
    await asyncio.sleep(0)  # the surge's audit task was started with the fifth code
    assert ledger.surge.active and ledger.surge.started == 1
    assert await _audits(db, "access_code.surge") == 1


async def test_a_database_away_asks_the_code_and_loses_no_call(db):
    away = create_async_engine(f"postgresql+asyncpg://allo:x@127.0.0.1:{free_port()}/allo")
    try:
        metrics = Metrics()
        ledger = CodeLedger(away, LIMITS, metrics, lookup_timeout=0.5)
        started = asyncio.get_running_loop().time()
        guard = CallCodeGuard(ledger, [ALICE], relay=False)
        verdict = await guard.gate()
        assert verdict.gate is CodeGate.ASK and "unknown" in verdict.reason
        assert asyncio.get_running_loop().time() - started < 1.0
        guard.wrong_code()  # written in the background: fails there, never here
        await ledger.stop()
        rendered = metrics.render().decode()
        assert 'allo_access_code_ledger_total{result="read_failed"} 1.0' in rendered
        assert 'allo_access_code_ledger_total{result="write_failed"} 1.0' in rendered
    finally:
        await away.dispose()


async def test_retention_erases_rows_past_the_longest_window(db):
    await _rows(db, (ALICE, now() - timedelta(hours=30)), (None, now() - timedelta(hours=25)), (ALICE, now()))
    who = Principal(0, "cli:test", Role.ADMIN, AuthMethod.CLI)
    report = await run_retention(db, RetentionPolicy(365, 183, ledger_hours=24), now(), who)
    assert report.wrong_access_codes == 2
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(WrongAccessCode)) == 1


async def test_allo_codes_unblock_erases_the_callers_wrong_codes_read_from_stdin(db, ledger_url, tmp_path,
                                                                                 monkeypatch, capsys):
    monkeypatch.setenv("ALLO_DATABASE_URL", ledger_url)
    state = tmp_path / "state"
    ensure_secrets(state)
    keys = PseudonymKeys.of(Settings.load(state).pseudonym_key.get_secret_value())
    blocked = keys.pseudonym("0655123450")
    assert blocked is not None
    await _rows(db, *[(blocked, now() - timedelta(minutes=n)) for n in range(12)], (BOB, now()))
    monkeypatch.setattr("sys.stdin", io.StringIO("+33 6 55 12 34 50\n"))
    assert await asyncio.to_thread(main, ["--state-dir", str(state), "codes", "unblock"]) == 0
    assert "12 wrong code(s) of this caller erased" in capsys.readouterr().out
    ledger = CodeLedger(db, LIMITS, Metrics())
    assert (await ledger.counts([blocked], pooled=False)).caller == 0
    assert (await ledger.counts([BOB], pooled=False)).caller == 1
    async with db.connect() as conn:
        entry = (await conn.execute(select(AuditEntry).where(
            AuditEntry.action == "access_code.caller_unblocked"))).one()
    assert entry.target == "one caller" and entry.actor.startswith("cli:")
    assert blocked[:8] not in str(entry.detail)
    assert "0655123450" not in str(entry.detail)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert await asyncio.to_thread(main, ["--state-dir", str(state), "codes", "unblock"]) == 1
    assert "no caller number read" in capsys.readouterr().err
