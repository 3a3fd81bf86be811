"""GET /api/calls/lookup and the /appels page against the real service: by id and by Paris period, paging, codes
never shown, French refusals, who may look (supervisors and ops, not advisers)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.models import Call, CallOutcome, LegOutcome, QueueLeg
from routing.calendar_types import PARIS
from tests.browser_kit import login, shot

pytestmark = pytest.mark.integration

T0 = datetime(2031, 3, 4, 10, 0, tzinfo=PARIS)  # a day no other test records calls on
TRACE = ["rules v42: entry", "service general open at Tue 2031-03-04 10:00 by calendar general: weekly", "-> menu",
         "menu main", "menu main: key 2 (Code d'accès) -> access_code",
         "access code accepted for service pro (attempt 1/3)", "rules v42: queue (access code for sector travail)",
         "-> queue l2-travail"]


async def _execute(url: str, *statements) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(statement)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def calls(test_settings, seeded):
    """Three calls of one tag at 10:00, 10:01, 10:02 Paris on T0's day; the first answered in its sector."""
    tag = uuid.uuid4().hex[:8]
    ids = [f"lookup-{tag}.{n}" for n in range(3)]
    rows = [{"call_id": call_id, "dialled": "3939", "started_at": T0 + timedelta(minutes=n),
             "outcome": CallOutcome.HUNG_UP_IN_MENU, "keys": "", "trace": ["menu main"], "rules_version": 42,
             "route_queue": None, "sector": None, "agent": None, "answered_at": None, "menu_trace": None}
            for n, call_id in enumerate(ids)]
    rows[0] |= {"outcome": CallOutcome.ANSWERED, "keys": "2,<code>", "trace": TRACE, "route_queue": "l2-travail",
                "sector": "travail", "agent": "agent1002", "answered_at": T0 + timedelta(seconds=40),
                "menu_trace": "played=allo/welcome,allo/menu-main; " + "; ".join(TRACE)
                              + "; queue l2-travail: max wait 120 s"}
    leg = {"call_id": ids[0], "queue": "l2-travail", "joined_at": T0 + timedelta(seconds=30), "position": 1,
           "priority": 0, "left_at": T0 + timedelta(seconds=40), "outcome": LegOutcome.ANSWERED, "wait_seconds": 10,
           "agent": "agent1002"}
    asyncio.run(_execute(test_settings.sqlalchemy_url, insert(Call).values(rows), insert(QueueLeg).values([leg])))
    yield ids
    asyncio.run(_execute(test_settings.sqlalchemy_url, delete(QueueLeg).where(QueueLeg.call_id.in_(ids)),
                         delete(Call).where(Call.call_id.in_(ids))))


def lookup(service, role: Role, **params) -> httpx.Response:
    return httpx.get(f"{service.base_url}/api/calls/lookup", params=params, headers=service.headers(role), timeout=10)


def test_one_call_by_id_with_its_trace_keys_and_leg(running_service, calls):
    reply = lookup(running_service, Role.SUPERVISOR, call_id=calls[0])
    assert reply.status_code == 200, reply.text
    [call] = reply.json()["calls"]
    assert call["keys"] == ["2", "code (masqué)"]
    assert [t["raw"] for t in call["trace"]] == TRACE
    assert call["trace"][4]["label"] == "Menu main : touche 2 (Code d'accès) → code d'accès"
    assert call["trace"][-1]["label"] == "→ file l2-travail"
    assert [t["label"] for t in call["queue_notes"]] == ["File l2-travail : attente maximale 120 s"]
    assert call["prompts"] == ["allo/welcome", "allo/menu-main"]
    assert call["rules_version"] == 42 and call["outcome_label"] == "répondu"
    [leg] = call["legs"]
    assert (leg["queue"], leg["position"], leg["outcome"], leg["wait_seconds"], leg["agent"]) == \
        ("l2-travail", 1, "answered", 10, "agent1002")
    assert "Répondu par agent1002 dans l2-travail après 10 s" in [s["label"] for s in call["journey"]]
    assert "caller_hash" not in call
    assert lookup(running_service, Role.OPS, call_id="nobody.1").json() == {"calls": [], "next_offset": None}


def test_a_paris_period_newest_first_a_page_at_a_time(running_service, calls):
    first = lookup(running_service, Role.OPS, **{"from": "2031-03-04 10:00", "to": "2031-03-04 10:05", "limit": "2"})
    assert first.status_code == 200, first.text
    assert [c["call_id"] for c in first.json()["calls"]] == [calls[2], calls[1]]
    assert first.json()["next_offset"] == 2
    rest = lookup(running_service, Role.OPS, **{"from": "2031-03-04 10:00", "to": "2031-03-04 10:05", "limit": "2",
                                                "offset": "2"}).json()
    assert [c["call_id"] for c in rest["calls"]] == [calls[0]] and rest["next_offset"] is None
    # 10:01 Paris is 09:01 UTC: the period is read in Paris time
    narrow = lookup(running_service, Role.SUPERVISOR, **{"from": "2031-03-04T10:01", "to": "2031-03-04T10:02"}).json()
    assert [c["call_id"] for c in narrow["calls"]] == [calls[1]]


@pytest.mark.parametrize(("params", "detail"), [
    ({}, "Donnez un identifiant d'appel ou une période (du … au …)"),
    ({"from": "2031-03-04 11:00", "to": "2031-03-04 10:00"}, "La fin de la période doit être après son début"),
    ({"from": "2031-01-01", "to": "2031-03-04"}, "La période dépasse 31 jours : choisissez-en une plus courte"),
    ({"from": "mardi"}, "« du » : date illisible « mardi » (attendu AAAA-MM-JJ ou AAAA-MM-JJ HH:MM)"),
    ({"from": "2031-03-04", "limit": "5000"}, "« limit » doit être un nombre entier de 1 à 200"),
])
def test_bad_lookups_are_422_in_french(running_service, calls, params, detail):
    reply = lookup(running_service, Role.SUPERVISOR, **params)
    assert reply.status_code == 422 and reply.json() == {"detail": detail}


def test_advisers_may_not_look_calls_up(running_service, calls):
    assert lookup(running_service, Role.AGENT, call_id=calls[0]).status_code == 403
    assert httpx.get(f"{running_service.base_url}/api/calls/lookup", params={"call_id": calls[0]},
                     timeout=10).status_code == 401


async def test_the_page_finds_the_period_then_shows_one_call(running_service, calls, page):
    await login(page, running_service, Role.OPS, "/appels")
    await page.fill("#lookup-from", "2031-03-04T09:59")
    await page.fill("#lookup-to", "2031-03-04T10:03")
    async with page.expect_navigation():
        await page.press("#lookup-to", "Enter")  # the keyboard is enough
    rows = page.locator("#lookup-calls tbody tr")
    assert await rows.count() == 3
    async with page.expect_navigation():
        await page.click(f"#lookup-calls a:text-is('{calls[0]}')")
    detail = page.locator("#call-detail")
    assert await detail.get_attribute("data-call-id") == calls[0]
    assert (await page.inner_text("#call-keys")).strip() == "2, code (masqué)"
    trace = await page.inner_text("#call-trace")
    assert "Code d'accès accepté pour service pro (essai 1/3)" in trace and "→ file l2-travail" in trace
    assert "agent1002" in await page.inner_text("#call-legs")
    assert "Règles n° 42" in await page.inner_text("#call-rules")
    await shot(page, "calls-lookup-detail")
    await page.goto(f"{running_service.base_url}/appels?from=2031-03-05&to=2031-03-04")
    assert await page.inner_text("#lookup-error") == "La fin de la période doit être après son début"


@pytest.fixture
def node_lost_call(test_settings, seeded):
    """A call of node b cut while waiting (as the node-loss sweeper leaves it, docs/scaling.md)."""
    call_id = f"b-lookup-{uuid.uuid4().hex[:8]}.1"
    row = {"call_id": call_id, "dialled": "3939", "started_at": T0 + timedelta(minutes=30),
           "outcome": CallOutcome.QUEUED, "route_queue": "l1", "node": "b",
           "ended_at": T0 + timedelta(minutes=31), "end_reason": "node_lost"}
    leg = {"call_id": call_id, "queue": "l1", "joined_at": T0 + timedelta(minutes=30, seconds=20), "position": 3,
           "priority": 0, "left_at": T0 + timedelta(minutes=31), "outcome": LegOutcome.LEFT, "wait_seconds": 40,
           "node": "b", "end_reason": "node_lost"}
    asyncio.run(_execute(test_settings.sqlalchemy_url, insert(Call).values([row]), insert(QueueLeg).values([leg])))
    yield call_id
    asyncio.run(_execute(test_settings.sqlalchemy_url, delete(QueueLeg).where(QueueLeg.call_id == call_id),
                         delete(Call).where(Call.call_id == call_id)))


def test_a_call_cut_by_a_node_loss_shows_its_node_and_why_it_ended(running_service, node_lost_call):
    reply = lookup(running_service, Role.SUPERVISOR, call_id=node_lost_call)
    assert reply.status_code == 200, reply.text
    [call] = reply.json()["calls"]
    assert (call["node"], call["end_reason"], call["end_label"]) == ("b", "node_lost", "coupé : perte du nœud b")
    journey = [s["label"] for s in call["journey"]]
    assert journey[0] == "Appel reçu sur le 3939 (nœud b)"
    assert "Sorti de la file l1 : coupé : perte du nœud b" in journey
    assert journey[-1] == "Issue : coupé : perte du nœud b (en file)"
    page = httpx.get(f"{running_service.base_url}/appels", params={"call_id": node_lost_call},
                     headers=running_service.headers(Role.SUPERVISOR), timeout=10)
    assert page.status_code == 200 and "Nœud : b — coupé : perte du nœud b" in page.text
