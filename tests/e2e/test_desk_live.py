"""The desk's live side with real calls: an adviser logged in from the desk, a SIPp citizen answered by the SIPp
adviser -> the `pop` (with the menu path) on the adviser's SSE stream, then `call-ended`; `*13` on the phone -> a
`state` "en pause, telephone" on the stream; another adviser asking for that call gets 403; the history says who
did what from where."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from acd.ami.events import AgentConnect
from allo.auth.roles import Role
from allo.setup import sipp
from tests.adviser_kit import adviser_headers
from tests.e2e.agent_kit import register_phone

pytestmark = pytest.mark.e2e

AGENT, OTHER = "agent1001", "agent1002"


@dataclass
class Received:
    wall: float  # time.time() when the line reached the test
    kind: str
    doc: dict[str, Any]


class DeskStream:
    """One open /api/desk/stream, read in the background; `wait` finds an event with a deadline."""

    def __init__(self) -> None:
        self.events: list[Received] = []
        self._new = asyncio.Event()

    async def read(self, response: httpx.Response) -> None:
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                self.events.append(Received(time.time(), kind, json.loads(line.removeprefix("data: "))))
                self._new.set()

    async def wait(self, kind: str, condition: Callable[[dict[str, Any]], bool], timeout: float) -> Received:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.kind == kind and condition(event.doc):
                    return event
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} event as expected within {timeout} s; got "
                                     f"{[(e.kind, e.doc) for e in self.events]}")
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), left)


@contextlib.asynccontextmanager
async def desk_stream(service, headers: dict[str, str]) -> AsyncIterator[DeskStream]:
    stream = DeskStream()
    async with httpx.AsyncClient(base_url=service.base_url, headers=headers, timeout=30) as client, \
            client.stream("GET", "/api/desk/stream") as response:
        assert response.status_code == 200
        reader = asyncio.create_task(stream.read(response))
        try:
            yield stream
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader


async def test_pop_call_end_phone_pause_and_privacy(test_settings, running_service, ami_watch, demo_passwords):
    base = running_service.base_url
    me, other = adviser_headers(running_service, AGENT), adviser_headers(running_service, OTHER)
    port = await register_phone(test_settings, AGENT, demo_passwords[AGENT])
    async with desk_stream(running_service, me) as stream, \
            httpx.AsyncClient(base_url=base, headers=me, timeout=10) as client:
        await stream.wait("state", lambda d: d["agent"] == AGENT, 5)
        login = await client.post("/api/desk/login")
        assert login.status_code == 200, login.text
        await stream.wait("state", lambda d: d["status"] == "disponible" and d["queues"] == ["l1"], 5)
        phone = sipp.agent(test_settings.sip_port, port, talk_ms=4000).start()
        citizen = sipp.citizen(test_settings.sip_port, caller=f"0657{random.randrange(10**6):06d}", keys="1").start()
        try:
            connected = await ami_watch.wait_for(AgentConnect, lambda e: e.member_name == AGENT and e.queue == "l1",
                                                 timeout=40)
            call_id = connected.uniqueid
            pop = await stream.wait("pop", lambda d: d["call_id"] == call_id, 10)
            print(f"\n[desk] event -> pop on the stream: {(pop.wall - pop.doc['event_wall']) * 1000:.0f} ms")
            assert (pop.doc["queue"], pop.doc["level"], pop.doc["origin"]) == ("l1", 1, "queue")
            assert pop.doc["error"] is None, pop.doc["error"]
            assert pop.doc["path"]["keys"] == ["1"]
            assert any("touche 1" in step for step in pop.doc["path"]["steps"]), pop.doc["path"]
            assert pop.doc["waited_s"] is not None and pop.doc["repeat"] is None and pop.doc["transfer"] is None
            # Another adviser may not read it; the one who answered may.
            refused = httpx.get(f"{base}/api/calls/{call_id}", headers=other, timeout=10)
            assert refused.status_code == 403, refused.text
            assert (await client.get(f"/api/calls/{call_id}")).status_code == 200
            assert (await client.get(f"/api/desk/calls/{call_id}")).json()["call_id"] == call_id
            # A note someone else writes on the call reaches the adviser's desk at once; their own does not echo.
            typed = await client.put(f"/api/desk/calls/{call_id}/note", json={"text": "attestation"})
            assert typed.status_code == 200, typed.text
            note = httpx.post(f"{base}/api/calls/{call_id}/notes", json={"text": "rappeler le service"},
                              headers=running_service.headers(Role.SUPERVISOR), timeout=10)
            assert note.status_code == 201, note.text
            pushed = await stream.wait("notes", lambda d: d["call_id"] == call_id, 5)
            assert [n["text"] for n in pushed.doc["notes"]] == ["attestation", "rappeler le service"]
            assert len([e for e in stream.events if e.kind == "notes"]) == 1
            await stream.wait("call-ended", lambda d: d["call_id"] == call_id, 20)
            assert (await asyncio.to_thread(citizen.wait, 30)).ok
            assert (await asyncio.to_thread(phone.wait, 10)).ok
        finally:
            citizen.stop()
            phone.stop()
        try:
            dialled = await asyncio.to_thread(
                sipp.agent_dial(test_settings.sip_port, AGENT, demo_passwords[AGENT], "*13").run)
            assert dialled.ok, dialled.log
            paused = await stream.wait("state", lambda d: d["paused"], 5)
            assert (paused.doc["status_label"], paused.doc["pause_reason"], paused.doc["pause_label"]) == \
                ("en pause", "telephone", "Pause depuis le téléphone")
        finally:
            assert (await client.post("/api/desk/logout")).status_code == 200
    rows = httpx.get(f"{base}/api/agents/history", params={"agent": AGENT},
                     headers=running_service.headers(Role.SUPERVISOR), timeout=10).json()["events"]
    # The call's wrap-up is its own state (written by the wrap-up manager, source system), never a pause.
    assert ("wrapup_start", "system") in [(r["state"], r["source"]) for r in rows]
    own = [r for r in rows if not r["state"].startswith("wrapup")]
    assert [(r["state"], r["source"]) for r in own][-3:] == [("login", "desk"), ("pause", "phone"), ("logout", "desk")]
    assert (own[-2]["reason"], own[-2]["actor"]) == ("telephone", AGENT)


async def test_level_2_desk_pops_with_the_level_1_notes_after_a_transfer(test_settings, running_service, ami_watch,
                                                                          l1_agent, demo_passwords):
    base = running_service.base_url
    level1_desk, level2_desk = adviser_headers(running_service, AGENT), adviser_headers(running_service, "agent2001")
    port = await register_phone(test_settings, "agent2001", demo_passwords["agent2001"])
    await ami_watch.client.queue_add("l2-travail", "PJSIP/agent2001", "agent2001")
    level2 = sipp.agent(test_settings.sip_port, port, talk_ms=1500).start()
    level1 = sipp.agent_until_bye(test_settings.sip_port, l1_agent.port).start()
    citizen = sipp.citizen(test_settings.sip_port, caller=f"0658{random.randrange(10**6):06d}", keys="1").start()
    try:
        async with desk_stream(running_service, level1_desk) as first, \
                desk_stream(running_service, level2_desk) as second, \
                httpx.AsyncClient(base_url=base, headers=level1_desk, timeout=10) as client:
            connected = await ami_watch.wait_for(AgentConnect, lambda e: e.member_name == AGENT, timeout=40)
            call_id = connected.uniqueid
            await first.wait("pop", lambda d: d["call_id"] == call_id, 10)
            typed = await client.put(f"/api/desk/calls/{call_id}/note", json={"text": "licenciement contesté"})
            assert typed.status_code == 200, typed.text
            moved = await client.post(f"/api/calls/{call_id}/transfer", json={"sector": "travail"})
            assert moved.status_code == 200, moved.text
            await first.wait("call-ended", lambda d: d["call_id"] == call_id, 10)
            pop = await second.wait("pop", lambda d: d["call_id"] == call_id, 15)
            print(f"\n[desk] level 2: event -> pop on the stream: {(pop.wall - pop.doc['event_wall']) * 1000:.0f} ms")
            assert (pop.doc["queue"], pop.doc["sector"], pop.doc["level"]) == ("l2-travail", "travail", 2)
            assert pop.doc["error"] is None, pop.doc["error"]
            assert pop.doc["transfer"]["from_agent"] == AGENT
            assert [n["text"] for n in pop.doc["transfer"]["notes"]] == ["licenciement contesté"]
            assert pop.doc["path"]["keys"] == ["1"]
            # The level-2 adviser may read the call now; the level-1 adviser still may (they answered it).
            assert httpx.get(f"{base}/api/calls/{call_id}", headers=level2_desk, timeout=10).status_code == 200
            assert (await client.get(f"/api/calls/{call_id}")).status_code == 200
            await second.wait("call-ended", lambda d: d["call_id"] == call_id, 20)
        assert (await asyncio.to_thread(citizen.wait, 30)).ok
    finally:
        citizen.stop()
        level1.stop()
        level2.stop()
        await ami_watch.client.queue_remove("l2-travail", "PJSIP/agent2001")


async def test_a_repeat_caller_pops_with_the_previous_contact(test_settings, running_service, ami_watch,
                                                              demo_passwords):
    me = adviser_headers(running_service, AGENT)
    port = await register_phone(test_settings, AGENT, demo_passwords[AGENT])
    await ami_watch.client.queue_add("l1", f"PJSIP/{AGENT}", AGENT)
    phone = sipp.agent(test_settings.sip_port, port, calls=2, talk_ms=1500).start()
    caller = f"0659{random.randrange(10**6):06d}"
    try:
        async with desk_stream(running_service, me) as stream, \
                httpx.AsyncClient(base_url=running_service.base_url, headers=me, timeout=10) as client:
            first = sipp.citizen(test_settings.sip_port, caller=caller, keys="1").start()
            pop = await stream.wait("pop", lambda d: True, 40)
            first_id = pop.doc["call_id"]
            assert (pop.doc["origin"], pop.doc["repeat"]) == ("queue", None)
            await stream.wait("call-ended", lambda d: d["call_id"] == first_id, 20)
            assert (await asyncio.to_thread(first.wait, 20)).ok
            note = await client.put(f"/api/desk/calls/{first_id}/note", json={"text": "attestation à renvoyer"})
            assert note.status_code == 200, note.text
            saved = await client.post(f"/api/desk/calls/{first_id}/wrapup",
                                      json={"reason_kind": "list", "reason_code": "suivi-dossier",
                                            "outcome": "answered"})
            assert saved.status_code == 200, saved.text
            second = sipp.citizen(test_settings.sip_port, caller=caller, keys="1").start()
            again = await stream.wait("pop", lambda d: d["call_id"] != first_id, 40)
            print(f"\n[desk] repeat caller: event -> pop: {(again.wall - again.doc['event_wall']) * 1000:.0f} ms")
            assert again.doc["origin"] == "repeat"
            repeat = again.doc["repeat"]
            assert (repeat["call_id"], repeat["reason_label"], repeat["outcome"]) == \
                (first_id, "Suivi d'un dossier en cours", "answered")
            assert [n["text"] for n in repeat["notes"]] == ["attestation à renvoyer"]
            # While connected, the desk's own read of the call shows it too; once ended, no longer.
            live = (await client.get(f"/api/desk/calls/{again.doc['call_id']}")).json()
            assert live["repeat"]["call_id"] == first_id
            # Rung directly (Dial, outside the queue) or through the queue, the call is connected to this adviser,
            # so the desk may transfer it.
            active = httpx.get(f"{running_service.base_url}/api/calls/active",
                               headers=running_service.headers(Role.SUPERVISOR), timeout=10).json()
            assert (again.doc["call_id"], AGENT) in {(c["call_id"], c["agent"]) for c in active}
            await stream.wait("call-ended", lambda d: d["call_id"] == again.doc["call_id"], 20)
            after = (await client.get(f"/api/desk/calls/{again.doc['call_id']}")).json()
            assert after["repeat"] is None
            assert (await client.get("/api/desk/state")).json()["call"]["repeat"] is None
            assert (await asyncio.to_thread(second.wait, 20)).ok
    finally:
        phone.stop()
        await ami_watch.client.queue_remove("l1", f"PJSIP/{AGENT}")
