"""The 3939 menu with real calls: SIPp citizens pressing keys (SIP INFO) through Asterisk and FastAGI."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from acd.ami.events import QueueCallerJoin, UnknownEvent
from allo.auth.roles import Role
from allo.db.models import CallOutcome
from allo.db.rules_models import CalendarExceptionRow, Prompt, RulesMeta
from allo.db.rules_seed import rotate_access_code
from allo.setup import sipp
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.queue_kit import paris_day

pytestmark = pytest.mark.e2e

SUNDAY = "2026-11-22T10:00:00"
MONDAY = date(2026, 11, 23)
# The handler writes the journey before the dialplan queues the call; the hang-up then marks it abandoned.
QUEUED_OR_LEFT = {CallOutcome.QUEUED, CallOutcome.ABANDONED}


async def _queued_then_hang_up(ami_watch, citizen: sipp.Sipp, queue: str, timeout: float = 60) -> QueueCallerJoin:
    """Wait until the caller joins `queue`, then hang the channel up over AMI (nobody answers there)."""
    citizen.start()
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == queue, timeout=timeout)
        await ami_watch.client.action("Hangup", {"Channel": joined.channel})
        result = await asyncio.to_thread(citizen.wait, 20)
        assert result.ok, result.log
        return joined
    finally:
        citizen.stop()


async def _rules_in_force(service, version: int, timeout: float = 10.0) -> None:
    """Wait until the FastAGI server routes calls with rules `version` or later (reloaded on NOTIFY allo_rules)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.OPS), timeout=5) as client:
        while (current := (await client.get("/api/rules/version")).json()["version"]) < version:
            assert time.monotonic() < deadline, f"rules version {version} not in force after {timeout} s: {current}"
            await asyncio.sleep(0.05)


async def test_general_question_key_1_goes_to_level1(test_settings, running_service, ami_watch):
    citizen = sipp.citizen(test_settings.sip_port, caller="0655000001", keys="1")
    joined = await _queued_then_hang_up(ami_watch, citizen, "l1")
    row = await wait_call_row(test_settings, joined.uniqueid, until={CallOutcome.ABANDONED})
    assert row.keys == "1" and row.route_queue == "l1"
    assert any("-> queue l1" in line for line in row.trace or [])
    # The supervisor's view counts it: nobody answered, the caller left the queue.
    queues = httpx.get(f"{running_service.base_url}/api/queues", headers=running_service.headers(Role.SUPERVISOR),
                       timeout=5).json()["queues"]
    l1 = next(q for q in queues if q["name"] == "l1")
    # (unless Paris midnight came between the call and the read: "today" started again)
    assert l1["today"]["abandoned"] >= 1 or paris_day(row.queue_joined_at) != paris_day()
    assert l1["waiting_count"] == 0


async def test_access_code_then_sector_choice_goes_to_the_sector_queue(test_settings, running_service, ami_watch,
                                                                       access_code):
    citizen = sipp.citizen(test_settings.sip_port, caller="0655000002", keys=f"2,{access_code}#,1")
    joined = await _queued_then_hang_up(ami_watch, citizen, "l2-interieur")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert row.route_queue == "l2-interieur" and row.sector == "interieur"
    assert access_code not in (row.keys or "") and access_code not in str(row.trace)
    assert row.keys == "2,<code>,1"


async def test_three_wrong_codes_go_to_level1(test_settings, running_service, ami_watch):
    citizen = sipp.citizen(test_settings.sip_port, caller="0655000003",
                           keys="2,9999#@1500,8888#@7000,7777#@7000")
    joined = await _queued_then_hang_up(ami_watch, citizen, "l1", timeout=90)
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert row.keys == "2,<code>,<code>,<code>"
    assert "allo/code-echec" in (row.menu_trace or "")
    assert any("3 wrong access codes" in line for line in row.trace or [])


# The charter's "a human always reachable": a caller who presses nothing is queued in level 1 within this.
NO_INPUT_BUDGET_S = 30.0


async def test_no_key_at_all_is_queued_in_level1_within_30_seconds(test_settings, running_service, ami_watch):
    loop = asyncio.get_running_loop()
    answered: dict[str, float] = {}  # uniqueid -> when its channel went Up (loop time)
    joined_at: dict[str, float] = {}

    def stamp(event: object) -> None:
        if isinstance(event, UnknownEvent) and event.name.lower() == "newstate":
            fields = {key.lower(): value for key, value in event.fields.items()}
            if fields.get("channelstatedesc") == "Up":
                answered.setdefault(fields.get("uniqueid", ""), loop.time())
        elif isinstance(event, QueueCallerJoin):
            joined_at.setdefault(event.uniqueid, loop.time())

    ami_watch.client.add_listener(stamp)
    started = loop.time()
    citizen = sipp.citizen(test_settings.sip_port, caller="0655000004", timeout_s=90)
    joined = await _queued_then_hang_up(ami_watch, citizen, "l1", timeout=60)
    assert joined.uniqueid in answered, "no Newstate Up seen for the caller's channel"
    waited = joined_at[joined.uniqueid] - answered[joined.uniqueid]
    print(f"no-input caller queued in l1 {waited:.1f} s after the answer ({joined_at[joined.uniqueid] - started:.1f} s "
          "after the SIPp call started)")
    assert waited <= NO_INPUT_BUDGET_S, f"queued {waited:.1f} s after the answer"
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert any("level1 (no input)" in line for line in row.trace or []), row.trace
    assert "allo/pas-de-choix" not in (row.menu_trace or "") and not row.keys


async def test_closed_on_sunday_says_the_hours_then_hangs_up(test_settings, allo_service):
    allo_service.stop()
    allo_service.fixed_now = SUNDAY
    allo_service.start()
    since = time.time()
    result = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655000005", keys="1").run)
    assert result.ok, result.log  # Asterisk hung up (the citizen got a BYE)
    row = await wait_call_row(test_settings, since=since - 1, until={CallOutcome.CLOSED})
    played = row.menu_trace or ""
    for prompt in ("allo/service-ferme", "allo/jours/lundi", "allo/jours/vendredi", "allo/jours/samedi",
                   "allo/site-internet", "allo/au-revoir"):
        assert prompt in played, prompt
    assert row.route_queue is None and row.ended_at is not None


async def test_an_exceptional_closure_changes_the_next_call_within_a_second(test_settings, running_service):
    engine = create_async_engine(test_settings.sqlalchemy_url)
    base = f"{running_service.base_url}/api/rules/version"
    try:
        ops = running_service.headers(Role.OPS)
        before = httpx.get(base, headers=ops, timeout=5).json()["version"]
        async with AsyncSession(engine) as session:
            if await session.get(Prompt, "allo/fermeture-exceptionnelle") is None:
                session.add(Prompt(name="allo/fermeture-exceptionnelle",
                                   text="Le service est exceptionnellement fermé aujourd'hui."))
                await session.flush()
            session.add(CalendarExceptionRow(calendar_name="general", kind="closure", starts_on=MONDAY,
                                             ends_on=MONDAY, message_prompt="allo/fermeture-exceptionnelle"))
            await session.commit()
        committed = time.monotonic()
        async with httpx.AsyncClient(headers=ops) as client:
            while (await client.get(base)).json()["version"] == before:
                assert time.monotonic() - committed < 1.0, "the rule change was not picked up within 1 s"
                await asyncio.sleep(0.02)
        picked_up = time.monotonic() - committed
        since = time.time()
        result = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655000006", keys="1").run)
        assert result.ok, result.log
        row = await wait_call_row(test_settings, since=since - 1, until={CallOutcome.CLOSED})
        assert "allo/fermeture-exceptionnelle" in (row.menu_trace or "")
        assert any("exceptional_closure" in line for line in row.trace or [])
        print(f"rule change picked up in {picked_up * 1000:.0f} ms")
    finally:
        async with AsyncSession(engine) as session:
            await session.execute(delete(CalendarExceptionRow).where(CalendarExceptionRow.starts_on == MONDAY))
            await session.commit()
        await engine.dispose()


def test_serve_log_has_no_errors(running_service):
    lines = running_service.log.read_text().splitlines()
    bad = [i for i, line in enumerate(lines) if re.search(r"\bERROR\b|Traceback", line)]
    # Each error with what led to it: the log spans the whole session's service, its tail says nothing of them.
    shown = "\n---\n".join("\n".join(lines[max(0, i - 12):i + 25]) for i in bad[:3])
    assert not bad, f"{len(bad)} error line(s) in {running_service.log}:\n{shown}"


async def test_key_0_reaches_an_adviser(test_settings, running_service, ami_watch):
    citizen = sipp.citizen(test_settings.sip_port, caller="0655000007", keys="0")
    joined = await _queued_then_hang_up(ami_watch, citizen, "l1")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert any("key 0" in line for line in row.trace or [])


async def test_a_sector_code_leads_straight_to_its_sector(test_settings, running_service, ami_watch):
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with AsyncSession(engine) as session:
            code = await rotate_access_code(session, sector="justice")
            version = await session.scalar(select(RulesMeta.version))  # bumped by the access_codes trigger
    finally:
        await engine.dispose()
    await _rules_in_force(running_service, version or 0)
    citizen = sipp.citizen(test_settings.sip_port, caller="0655000008", keys=f"2,{code}#")
    joined = await _queued_then_hang_up(ami_watch, citizen, "l2-justice")
    row = await wait_call_row(test_settings, joined.uniqueid, until=QUEUED_OR_LEFT)
    assert row.sector == "justice" and row.keys == "2,<code>"


@pytest.mark.parametrize(("key", "outcome", "expected"), [
    ("3", CallOutcome.INFO, ["allo/info-service-public", "allo/au-revoir"]),
    ("4", CallOutcome.EXTERNAL, ["allo/info-impots", "allo/nombres/0", "allo/nombres/8", "allo/au-revoir"]),
])
async def test_information_and_external_number_then_hang_up(test_settings, running_service, key, outcome, expected):
    since = time.time()
    result = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655000009", keys=key).run)
    assert result.ok, result.log  # Asterisk hung up after the message
    row = await wait_call_row(test_settings, since=since - 1, until={outcome})
    played = (row.menu_trace or "").split(";")[0]
    positions = [played.index(prompt) for prompt in expected]
    assert positions == sorted(positions), played
    assert row.route_queue is None and row.ended_at is not None
