"""The desk's API against the real service (PostgreSQL, Asterisk over AMI): actions from the desk, the API and a
supervisor kept in the state history with their source, the history as JSON and CSV, the pause reasons checked,
the privacy of calls (403 for another adviser's call), the call's context and the note saved as typed."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.desk_models import CallWrapup, DeskReason
from allo.db.models import Call, CallNote, CallOutcome, LegOutcome, QueueLeg
from tests.adviser_kit import adviser_headers, adviser_name

pytestmark = pytest.mark.integration

AGENT, OTHER = "agent2002", "agent2001"
TRACE = ["rules v42: entry", "menu main", "menu main: key 2 (Code d'accès) -> access_code",
         "access code accepted for service pro (attempt 1/3)", "-> queue l2-interieur"]


async def _execute(url: str, *statements) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(statement)
    finally:
        await engine.dispose()


def events(response: httpx.Response) -> Iterator[tuple[str, dict]]:
    kind = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield kind, json.loads(line.removeprefix("data: "))


def until(feed: Iterator[tuple[str, dict]], kind: str, condition, seconds: float = 5.0) -> dict:
    deadline = time.monotonic() + seconds
    for got, doc in feed:
        if got == kind and condition(doc):
            return doc
        assert time.monotonic() < deadline, f"no {kind} event matching in {seconds} s"
    raise AssertionError("the stream ended")


@pytest.fixture(scope="module")
def calls(test_settings, seeded):
    """A repeat caller's previous call (reason and note), then their call answered by AGENT at level 2 after a
    transfer by agent1001 (whose reason and note follow), and a call answered by OTHER."""
    tag = uuid.uuid4().hex[:8]
    previous, current, others = f"desk-{tag}.1", f"desk-{tag}.2", f"desk-{tag}.3"
    now = datetime.now(UTC)
    base = {"dialled": "3939", "outcome": CallOutcome.ANSWERED, "keys": "2,<code>", "trace": TRACE,
            "route_queue": "l2-interieur", "sector": "interieur", "caller_hash": f"hash-{tag}",
            "level1_agent": None, "transferred_to": None, "transferred_at": None}
    rows = [base | {"call_id": previous, "started_at": now - timedelta(days=2), "agent": AGENT},
            base | {"call_id": current, "started_at": now - timedelta(minutes=5), "agent": AGENT,
                    "level1_agent": "agent1001", "transferred_to": "interieur",
                    "transferred_at": now - timedelta(minutes=2)},
            base | {"call_id": others, "started_at": now - timedelta(minutes=4), "agent": OTHER, "caller_hash": None}]
    legs = [{"call_id": current, "queue": "l1", "joined_at": now - timedelta(minutes=5), "position": 1,
             "priority": 0, "left_at": now - timedelta(minutes=4), "outcome": LegOutcome.ANSWERED,
             "wait_seconds": 20, "agent": "agent1001"},
            {"call_id": current, "queue": "l2-interieur", "joined_at": now - timedelta(minutes=2), "position": 1,
             "priority": 0, "left_at": now - timedelta(minutes=1), "outcome": LegOutcome.ANSWERED,
             "wait_seconds": 45, "agent": AGENT}]
    wrapups = [{"call_id": previous, "agent": AGENT, "reason_kind": "list", "reason_code": "suivi-dossier",
                "reason_label": "Suivi d'un dossier en cours", "outcome": "answered", "done_at": now},
               {"call_id": current, "agent": "agent1001", "reason_kind": "list", "reason_code": "reclamation",
                "reason_label": "Réclamation", "outcome": None, "done_at": None}]
    notes = [{"call_id": previous, "author": adviser_name(AGENT), "text": "carte grise envoyée"},
             {"call_id": current, "author": adviser_name("agent1001"), "text": "perte de titre de séjour"}]
    url = test_settings.sqlalchemy_url
    asyncio.run(_execute(url, insert(Call).values(rows), insert(QueueLeg).values(legs),
                         insert(CallWrapup).values(wrapups), insert(CallNote).values(notes)))
    yield {"previous": previous, "current": current, "others": others}
    ids = [previous, current, others]
    asyncio.run(_execute(url, delete(CallNote).where(CallNote.call_id.in_(ids)),
                         delete(CallWrapup).where(CallWrapup.call_id.in_(ids)),
                         delete(QueueLeg).where(QueueLeg.call_id.in_(ids)), delete(Call).where(Call.call_id.in_(ids))))


def history(service, **params) -> httpx.Response:
    return httpx.get(f"{service.base_url}/api/agents/history", params=params,
                     headers=service.headers(Role.SUPERVISOR), timeout=10)


def test_actions_reach_the_stream_and_the_history_with_their_source(running_service) -> None:
    base = running_service.base_url
    me = adviser_headers(running_service, AGENT)
    supervisor = running_service.headers(Role.SUPERVISOR)
    before = {e["id"] for e in history(running_service, agent=AGENT).json()["events"]}
    try:
        with httpx.Client(base_url=base, headers=me, timeout=10) as client, \
                client.stream("GET", "/api/desk/stream") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            feed = events(stream)
            first = until(feed, "state", lambda d: True)
            assert first["agent"] == AGENT
            reply = client.post("/api/desk/login")
            assert reply.status_code == 200, reply.text
            until(feed, "state", lambda d: d["status"] == "disponible" and d["queues"] == ["l2-interieur",
                                                                                          "l2-justice"])
            assert client.post("/api/desk/pause", json={"reason": "dejeuner"}).status_code == 200
            paused = until(feed, "state", lambda d: d["paused"])
            assert (paused["status_label"], paused["pause_reason"], paused["pause_label"]) == \
                ("en pause", "dejeuner", "Déjeuner")
            unknown = client.post("/api/desk/pause", json={"reason": "sieste"})
            assert unknown.status_code == 422
            assert unknown.json()["detail"] == "Motif de pause inconnu ou désactivé : « sieste »."
            assert client.post("/api/desk/resume").status_code == 200
            until(feed, "state", lambda d: d["status"] == "disponible")
            reply = httpx.post(f"{base}/api/supervisor/agents/{AGENT}/pause", json={"reason": "formation"},
                               headers=supervisor, timeout=10)
            assert reply.status_code == 200, reply.text
            until(feed, "state", lambda d: d["pause_reason"] == "formation")  # what the other did shows
            reply = httpx.post(f"{base}/api/agents/{AGENT}/resume", headers=me, timeout=10)
            assert reply.status_code == 200, reply.text
            state = client.get("/api/desk/state").json()
            assert state["state"]["status"] == "disponible" and state["call"] is None and state["wrapup"] is None
    finally:
        assert httpx.post(f"{base}/api/desk/logout", headers=me, timeout=10).status_code == 200
    rows = [e for e in history(running_service, agent=AGENT).json()["events"] if e["id"] not in before]
    me_name = adviser_name(AGENT)
    assert [(e["state"], e["reason"], e["source"], e["actor"]) for e in rows] == [
        ("login", None, "desk", me_name), ("pause", "dejeuner", "desk", me_name), ("resume", None, "desk", me_name),
        ("pause", "formation", "supervisor", running_service.credentials(Role.SUPERVISOR)[0]),
        ("resume", None, "api", me_name), ("logout", None, "desk", me_name)]
    assert rows[1]["state_label"] == "pause" and rows[1]["source_label"] == "bureau"
    csv = httpx.get(f"{base}/api/agents/history", params={"agent": AGENT, "format": "csv"},
                    headers=running_service.headers(Role.OPS), timeout=10)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.split("\r\n")
    assert lines[0] == "conseiller,date et heure (Paris),état,motif,source,par,appel"
    assert any(line.startswith(f"{AGENT},") and line.endswith(f",pause,dejeuner,bureau,{me_name},")
               for line in lines)


def test_history_refuses_a_period_too_long_in_french(running_service) -> None:
    reply = history(running_service, **{"from": "2026-01-01", "to": "2026-03-01"})
    assert reply.status_code == 422
    assert reply.json()["detail"] == "La période dépasse 31 jours : choisissez-en une plus courte"
    assert history(running_service, agent="Pas Un Nom").status_code == 422


def test_a_refused_desk_action_writes_no_history_and_says_why(running_service) -> None:
    me = adviser_headers(running_service, AGENT)
    before = history(running_service, agent=AGENT).json()["events"]
    reply = httpx.post(f"{running_service.base_url}/api/desk/pause", json={"reason": "dejeuner"}, headers=me,
                       timeout=10)
    assert reply.status_code == 409  # in no queue: Asterisk refuses the pause
    assert reply.json()["detail"].startswith("Action impossible maintenant")
    assert history(running_service, agent=AGENT).json()["events"] == before


def test_a_disabled_pause_reason_is_refused_at_once(test_settings, running_service) -> None:
    url = test_settings.sqlalchemy_url
    disable = update(DeskReason).where(DeskReason.kind == "pause", DeskReason.code == "reunion")
    asyncio.run(_execute(url, disable.values(enabled=False)))
    try:
        reply = httpx.post(f"{running_service.base_url}/api/desk/pause", json={"reason": "reunion"},
                           headers=adviser_headers(running_service, AGENT), timeout=10)
        assert reply.status_code == 422
        assert reply.json()["detail"] == "Motif de pause inconnu ou désactivé : « reunion »."
    finally:
        asyncio.run(_execute(url, disable.values(enabled=True)))


def test_an_account_without_extension_has_no_desk(running_service) -> None:
    reply = httpx.get(f"{running_service.base_url}/api/desk/state", headers=running_service.headers(Role.AGENT),
                      timeout=10)
    assert reply.status_code == 409
    assert "n'a pas de poste" in reply.json()["detail"]


def test_an_adviser_reads_only_the_calls_answered_on_their_phone(running_service, calls) -> None:
    base = running_service.base_url
    mine, theirs = adviser_headers(running_service, AGENT), adviser_headers(running_service, OTHER)
    call_id = calls["current"]
    assert httpx.get(f"{base}/api/calls/{call_id}", headers=mine, timeout=10).status_code == 200
    refused = httpx.get(f"{base}/api/calls/{call_id}", headers=theirs, timeout=10)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Cet appel n'a pas été pris sur votre poste : vous ne pouvez pas le consulter."
    assert httpx.get(f"{base}/api/calls/{calls['others']}", headers=theirs, timeout=10).status_code == 200
    assert httpx.get(f"{base}/api/calls/nobody.1", headers=theirs, timeout=10).status_code == 404
    assert httpx.get(f"{base}/api/calls/{call_id}", headers=running_service.headers(Role.SUPERVISOR),
                     timeout=10).status_code == 200
    assert httpx.get(f"{base}/api/calls/{call_id}", headers=running_service.headers(Role.AGENT),
                     timeout=10).status_code == 403  # an adviser account with no phone answered nothing
    note = httpx.post(f"{base}/api/calls/{call_id}/notes", json={"text": "x"}, headers=theirs, timeout=10)
    assert note.status_code == 403
    for who in (mine, theirs):  # a transfer only for a call connected to them now
        moved = httpx.post(f"{base}/api/calls/{call_id}/transfer", json={"sector": "travail"}, headers=who,
                           timeout=10)
        assert moved.status_code == 403
        assert "pas en cours sur votre poste" in moved.json()["detail"]
    assert httpx.get(f"{base}/api/desk/calls/{call_id}", headers=theirs, timeout=10).status_code == 403
    assert httpx.get(f"{base}/api/desk/calls/nobody.1", headers=theirs, timeout=10).status_code == 404


def test_the_call_s_context_for_the_level_2_adviser(running_service, calls) -> None:
    adviser_headers(running_service, "agent1001")  # the level-1 adviser's account (its extension names its notes)
    reply = httpx.get(f"{running_service.base_url}/api/desk/calls/{calls['current']}",
                      headers=adviser_headers(running_service, AGENT), timeout=10)
    assert reply.status_code == 200, reply.text
    pop = reply.json()
    assert (pop["queue"], pop["sector"], pop["level"], pop["origin"]) == ("l2-interieur", "interieur", 2, "repeat")
    assert pop["path"]["keys"] == ["2", "code (masqué)"]
    assert pop["path"]["steps"] == ["Menu main", "Menu main : touche 2 (Code d'accès) → code d'accès"]
    assert pop["waited_s"] == 65  # both queues
    assert pop["transfer"]["from_agent"] == "agent1001"
    assert pop["transfer"]["reason_label"] == "Réclamation"
    assert [n["text"] for n in pop["transfer"]["notes"]] == ["perte de titre de séjour"]
    # The previous contact of a repeat caller only while that caller is on the line with this adviser.
    assert pop["repeat"] is None
    assert pop["error"] is None


def test_note_saved_as_typed_one_per_call_and_author(running_service, calls) -> None:
    base = running_service.base_url
    me = adviser_headers(running_service, AGENT)
    call_id = calls["current"]
    first = httpx.put(f"{base}/api/desk/calls/{call_id}/note", json={"text": "Titre"}, headers=me, timeout=10)
    assert first.status_code == 200, first.text
    typed = httpx.put(f"{base}/api/desk/calls/{call_id}/note", json={"text": "Titre de séjour perdu"}, headers=me,
                      timeout=10).json()
    assert typed["note"]["id"] == first.json()["note"]["id"]
    assert typed["note"]["updated_at"] >= first.json()["note"]["updated_at"]
    seen = httpx.get(f"{base}/api/calls/{call_id}", headers=running_service.headers(Role.SUPERVISOR),
                     timeout=10).json()
    assert [(n["author"], n["text"]) for n in seen["notes"]] == [
        (adviser_name("agent1001"), "perte de titre de séjour"), (adviser_name(AGENT), "Titre de séjour perdu")]
    cleared = httpx.put(f"{base}/api/desk/calls/{call_id}/note", json={"text": ""}, headers=me, timeout=10).json()
    assert cleared["note"] is None
    assert [n["author"] for n in cleared["notes"]] == [adviser_name("agent1001")]
    refused = httpx.put(f"{base}/api/desk/calls/{call_id}/note", json={"text": "x"},
                        headers=adviser_headers(running_service, OTHER), timeout=10)
    assert refused.status_code == 403
