"""Access codes bounded across calls, with real calls: twelve wrong codes from one number over four calls (three
tries each, the default limit of 10 within 24 h), then the same number is no longer asked a code."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import QueueCallerJoin
from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry
from allo.db.models import WrongAccessCode
from allo.setup import sipp
from tests.e2e.e2e_rows import QUEUED_OR_LEFT, metric_sample, wait_call_row

pytestmark = pytest.mark.e2e

NUMBER = "0655123450"
# Twelve wrong codes, all different: none may appear in a log.
WRONG = [f"9{n:02d}8{n:02d}7" for n in range(12)]


async def _to_l1(ami_watch, settings, keys: list[str], seen: set[str]) -> list:
    """Calls from NUMBER at once, one per entry of `keys`, until each joins l1 (joins not `seen` before); then hung
    up. Their call rows."""
    citizens = [sipp.citizen(settings.sip_port, caller=NUMBER, keys=k) for k in keys]
    for citizen in citizens:
        citizen.start()
    try:
        joins = []
        for _ in citizens:
            joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1" and e.uniqueid not in seen,
                                              timeout=60)
            seen.add(joined.uniqueid)
            joins.append(joined)
            await ami_watch.client.action("Hangup", {"Channel": joined.channel})
        for citizen in citizens:
            assert (await asyncio.to_thread(citizen.wait, 20)).ok
    finally:
        for citizen in citizens:
            citizen.stop()
    return [await wait_call_row(settings, joined.uniqueid, until=QUEUED_OR_LEFT) for joined in joins]


def _three_wrong(call: int) -> str:
    # "2" during the welcome; each next code once the non-interruptible "wrong code, try again" (2.5 s) is said.
    first, second, third = WRONG[call * 3:call * 3 + 3]
    return f"2,{first}#@1500,{second}#@4500,{third}#@4500"


async def _ledger(settings, caller_hash: str, since: datetime, *, audited: int,
                  timeout: float = 15.0) -> tuple[int, int]:
    """(wrong codes in the ledger for the pseudonym, audit entries for it), once `audited` entries are there."""
    engine = create_async_engine(settings.sqlalchemy_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            async with engine.connect() as conn:
                rows = await conn.scalar(select(func.count()).where(WrongAccessCode.caller_hash == caller_hash))
                audits = await conn.scalar(select(func.count()).where(
                    AuditEntry.action == "access_code.caller_blocked", AuditEntry.at >= since))
            if audits >= audited or time.monotonic() > deadline:
                return int(rows or 0), int(audits or 0)
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def test_twelve_wrong_codes_over_four_calls_then_straight_to_level1(test_settings, running_service, ami_watch,
                                                                         asterisk):
    started, since = time.monotonic(), datetime.now(UTC)
    seen: set[str] = set()
    # Three calls at once (each reads 0 wrong codes when the key is pressed), then a fourth that reads 9.
    rows = await _to_l1(ami_watch, test_settings, [_three_wrong(call) for call in range(3)], seen)
    rows += await _to_l1(ami_watch, test_settings, [_three_wrong(3)], seen)
    for row, before in zip(rows, (0, 0, 0, 9), strict=True):
        assert row.keys == "2,<code>,<code>,<code>", row.keys
        assert any(f"this caller: {before} wrong codes within 24 h (limit 10)" in line for line in row.trace)
        assert any("3 wrong access codes" in line for line in row.trace)
    caller_hash = rows[0].caller_hash
    assert caller_hash and all(row.caller_hash == caller_hash for row in rows)
    assert await _ledger(test_settings, caller_hash, since, audited=1) == (12, 1)

    # The last calls: the access-code key leads straight to level 1, no code prompt.
    for row in await _to_l1(ami_watch, test_settings, ["2", "2"], seen):
        assert row.keys == "2" and "allo/code-acces" not in (row.menu_trace or "")
        assert any("code not asked, this caller: 12 wrong codes within 24 h (limit 10)" in line for line in row.trace)
        assert any("level1 (access code not asked: caller_limit)" in line for line in row.trace)
    assert await _ledger(test_settings, caller_hash, since, audited=1) == (12, 1)  # one audit entry, at the crossing
    print(f"12 wrong codes over 4 calls, then 2 calls straight to l1: {time.monotonic() - started:.0f} s")

    text = httpx.get(f"{running_service.base_url}/metrics", headers=running_service.headers(Role.OPS), timeout=5).text
    assert metric_sample(text, 'allo_wrong_access_codes_total{scope="caller"}') >= 12
    assert metric_sample(text, 'allo_access_code_refusals_total{gate="caller_limit"}') >= 2
    log = running_service.log.read_text(errors="replace")
    assert "reached 10 wrong codes within 24 h" in log
    assert not [code for code in WRONG if code in log], "a typed code is in serve.log"
    messages = asterisk.host_path(f"{asterisk.log_dir}/messages.log").read_text(errors="replace")
    assert not [code for code in WRONG if code in messages], "a typed code is in Asterisk's messages.log"

