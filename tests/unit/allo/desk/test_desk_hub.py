"""The desks' hub with typed AMI events, a fake clock and a fake context reader: each adviser gets their own
state, pops and call ends (nobody else's), a burst is coalesced, a pop never gives way to a state."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from acd.ami.events import (
    AgentComplete,
    AgentConnect,
    AmiEvent,
    Hangup,
    PreferredAgentAnswer,
    QueueMember,
    QueueMemberPause,
    QueueParams,
)
from acd.live.state import LiveState, system_clock
from allo.desk.hub import DeskHub, agent_of_interface
from allo.desk.pop import PopOrigin, PopRequest
from allo.desk.subscription import DeskEvent, DeskSubscription
from allo.metrics import Metrics


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Builder:
    """Stands in for the PostgreSQL context reader: records the requests, answers when released."""

    def __init__(self) -> None:
        self.requests: list[PopRequest] = []
        self.release = asyncio.Event()
        self.release.set()

    async def pop(self, request: PopRequest) -> dict[str, Any]:
        self.requests.append(request)
        await self.release.wait()
        return {"call_id": request.call_id, "queue": request.queue, "waited_s": request.waited_s,
                "origin": request.origin.value, "event_wall": request.event_wall, "repeat": {"call_id": "old"},
                "notes": []}


def member_event(agent: str, **changes: object) -> QueueMemberPause:
    values: dict[str, object] = {"member_name": agent, "status": 1, "paused": False, "reason": "",
                                 "in_call": False, "calls_taken": 0}
    values.update(changes)
    return QueueMemberPause(queue="l1", interface=f"PJSIP/{agent}", **values)  # type: ignore[arg-type]


def connect(agent: str, call_id: str, holdtime: int = 7) -> AgentConnect:
    return AgentConnect(queue="l1", uniqueid=call_id, linkedid=call_id, interface=f"PJSIP/{agent}",
                        member_name=agent, holdtime=holdtime, ringtime=1, dest_channel=f"PJSIP/{agent}-00000001")


@pytest.fixture
def live() -> LiveState:
    live = LiveState(system_clock)
    live.resync([QueueParams("l1", 0, "leastrecent", 0, 0, 0, 0, 0, 60, 0.0),
                 *(QueueMember("l1", f"PJSIP/{a}", a, 1, False, "", False, 0) for a in ("alice", "bob"))])
    return live


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def builder() -> Builder:
    return Builder()


@pytest.fixture
def hub(live: LiveState, clock: Clock, builder: Builder) -> DeskHub:
    return DeskHub(live, lambda code: {"dejeuner": "Déjeuner"}.get(code, code), builder, Metrics(), debounce=0,
                   clock=clock, wall=lambda: 1_700_000_000.0 + clock.now)


def feed(hub: DeskHub, live: LiveState, *events: AmiEvent) -> None:
    """What the service does: the live state applies the event, then the hub hears it."""
    for event in events:
        live.apply(event)
        hub.on_event(event)


async def take(subscription: DeskSubscription, timeout: float = 1.0) -> tuple[DeskEvent, dict[str, Any]]:
    item = await asyncio.wait_for(subscription.next(), timeout)
    assert item is not None
    return item[0], json.loads(item[1])


def test_agent_of_interface() -> None:
    assert agent_of_interface("PJSIP/agent-1001") == "agent-1001"
    assert agent_of_interface("Local/1@ctx") is None
    assert agent_of_interface("PJSIP/agent1-0000002a/x") is None


async def test_state_at_connection_then_only_the_adviser_concerned(hub: DeskHub, live: LiveState) -> None:
    async with hub.subscription("alice") as alice, hub.subscription("bob") as bob:
        assert (await take(alice))[1]["status"] == "disponible"
        assert (await take(bob))[1]["status"] == "disponible"
        feed(hub, live, member_event("alice", paused=True, reason="dejeuner"))
        hub.publish({"alice": 100.0})
        kind, doc = await take(alice)
        assert kind is DeskEvent.STATE
        assert (doc["status"], doc["pause_label"]) == ("en-pause", "Déjeuner")
        assert bob.pending == []


async def test_a_burst_is_one_state_and_an_unchanged_state_is_not_sent(hub: DeskHub, live: LiveState,
                                                                      clock: Clock) -> None:
    await hub.start()
    try:
        async with hub.subscription("alice") as alice:
            await take(alice)
            feed(hub, live, member_event("alice", paused=True, reason="pause"),
                 member_event("alice", paused=True, reason="dejeuner"))
            _kind, doc = await take(alice)
            assert doc["pause_reason"] == "dejeuner"
            assert alice.pending == []
            feed(hub, live, member_event("alice", paused=True, reason="dejeuner"))  # the same state again
            hub.publish({"alice": clock.now})
            assert alice.pending == []
    finally:
        await hub.stop()


async def test_pop_for_the_adviser_who_answered_with_the_event_s_queue_and_wait(hub: DeskHub, live: LiveState,
                                                                              builder: Builder) -> None:
    async with hub.subscription("alice") as alice, hub.subscription("bob") as bob:
        await take(alice), await take(bob)
        feed(hub, live, connect("alice", "1700.1", holdtime=12))
        kind, pop = await take(alice)
        assert kind is DeskEvent.POP
        assert (pop["call_id"], pop["queue"], pop["waited_s"]) == ("1700.1", "l1", 12)
        assert pop["event_wall"] == 1_700_000_100.0
        assert builder.requests == [PopRequest("1700.1", "alice", "l1", 12, PopOrigin.QUEUE, 1_700_000_100.0)]
        assert bob.pending == []
        assert hub.current_call("alice") == "1700.1" and hub.connected_to("1700.1", "alice")
        assert not hub.connected_to("1700.1", "bob")


async def test_one_context_read_for_every_tab_of_the_adviser(hub: DeskHub, live: LiveState,
                                                             builder: Builder) -> None:
    async with hub.subscription("alice") as tab1, hub.subscription("alice") as tab2:
        await take(tab1), await take(tab2)
        feed(hub, live, connect("alice", "1700.1"))
        assert (await take(tab1))[1]["call_id"] == "1700.1"
        assert (await take(tab2))[1]["call_id"] == "1700.1"
        assert len(builder.requests) == 1


async def test_a_tab_opened_during_the_call_gets_the_pop(hub: DeskHub, live: LiveState) -> None:
    async with hub.subscription("alice") as first:
        await take(first)
        feed(hub, live, connect("alice", "1700.1"))
        await take(first)
        async with hub.subscription("alice") as late:
            assert (await take(late))[0] is DeskEvent.STATE
            kind, pop = await take(late)
            assert (kind, pop["call_id"]) == (DeskEvent.POP, "1700.1")


async def test_preferred_agent_answer_pops_as_a_repeat_caller(hub: DeskHub, live: LiveState,
                                                              builder: Builder) -> None:
    async with hub.subscription("bob") as bob:
        await take(bob)
        feed(hub, live, PreferredAgentAnswer(call_id="1700.9", queue="l1", agent="bob"))
        kind, pop = await take(bob)
        assert (kind, pop["origin"], pop["waited_s"]) == (DeskEvent.POP, "repeat", None)


async def test_call_ended_on_agent_complete_and_the_repeat_caller_forgotten(hub: DeskHub, live: LiveState) -> None:
    async with hub.subscription("alice") as alice:
        await take(alice)
        feed(hub, live, connect("alice", "1700.1"))
        await take(alice)
        feed(hub, live, AgentComplete("l1", "1700.1", "PJSIP/alice", "alice", 5, 30, "agent"))
        kind, ended = await take(alice)
        assert (kind, ended) == (DeskEvent.CALL_ENDED, {"call_id": "1700.1", "wrapup_deadline": None})
        assert hub.current_call("alice") is None
        assert hub.current_pop("alice") is not None
        assert hub.current_pop("alice")["repeat"] is None  # type: ignore[index]


async def test_call_ended_on_the_caller_s_hangup_with_the_wrapup_deadline(hub: DeskHub, live: LiveState) -> None:
    async with hub.subscription("alice") as alice:
        await take(alice)
        feed(hub, live, connect("alice", "1700.1"),
             member_event("alice", paused=True, reason="apres-appel/1700000200/1700.1"))
        await take(alice)
        feed(hub, live, Hangup("1700.2", "1700.1", "PJSIP/alice-00000001", 16))  # the adviser's channel: not it
        assert hub.current_call("alice") == "1700.1"
        feed(hub, live, Hangup("1700.1", "1700.1", "PJSIP/trunk-00000001", 16))
        kinds = {}
        while alice.pending:
            kind, doc = await take(alice)
            kinds[kind] = doc
        assert kinds[DeskEvent.CALL_ENDED] == {"call_id": "1700.1", "wrapup_deadline": 1700000200}


async def test_a_pop_read_after_its_call_ended_is_not_pushed(hub: DeskHub, live: LiveState, builder: Builder) -> None:
    builder.release.clear()
    async with hub.subscription("alice") as alice:
        await take(alice)
        feed(hub, live, connect("alice", "1700.1"))
        feed(hub, live, Hangup("1700.1", "1700.1", "PJSIP/trunk-00000001", 16))
        builder.release.set()
        await hub.pops_read()
        assert len(builder.requests) == 1
        assert DeskEvent.POP not in alice.pending
        assert alice.pending == [DeskEvent.CALL_ENDED]


async def test_a_slow_page_keeps_the_pop_when_states_pile_up(hub: DeskHub, live: LiveState) -> None:
    async with hub.subscription("alice") as alice:
        feed(hub, live, connect("alice", "1700.1"))
        await hub.pops_read()
        for reason in ("pause", "dejeuner", "formation"):
            feed(hub, live, member_event("alice", paused=True, reason=reason))
            hub.publish({"alice": 100.0})
        assert alice.pending == [DeskEvent.POP, DeskEvent.STATE]
        await take(alice)
        assert (await take(alice))[1]["pause_reason"] == "formation"


async def test_notes_go_to_the_adviser_now_on_the_call_but_not_to_their_author(hub: DeskHub,
                                                                               live: LiveState) -> None:
    async with hub.subscription("alice") as alice, hub.subscription("bob") as bob:
        await take(alice), await take(bob)
        feed(hub, live, connect("bob", "1700.1"))
        await take(bob)
        notes = [{"id": 1, "author": "alice", "text": "dossier CAF"}]
        assert hub.notes_changed("1700.1", notes, by_agent="alice") == 1
        kind, doc = await take(bob)
        assert (kind, doc) == (DeskEvent.NOTES, {"call_id": "1700.1", "notes": notes})
        assert alice.pending == []
        assert hub.notes_changed("1700.1", notes, by_agent="bob") == 0


async def test_resync_ends_a_call_whose_end_was_missed(hub: DeskHub, live: LiveState) -> None:
    async with hub.subscription("alice") as alice:
        await take(alice)
        feed(hub, live, connect("alice", "1700.1"))
        await take(alice)
        snapshot: list[AmiEvent] = [QueueParams("l1", 0, "leastrecent", 0, 0, 0, 0, 0, 60, 0.0),
                                    QueueMember("l1", "PJSIP/alice", "alice", 1, False, "", True, 0)]
        live.resync(snapshot)
        hub.on_resync(snapshot)
        assert alice.pending == []  # still in the call after the reconnection
        snapshot[1] = QueueMember("l1", "PJSIP/alice", "alice", 1, False, "", False, 1)
        live.resync(snapshot)
        hub.on_resync(snapshot)
        assert (await take(alice))[0] is DeskEvent.CALL_ENDED


async def test_stop_ends_every_stream(hub: DeskHub) -> None:
    await hub.start()
    async with hub.subscription("alice") as alice:
        await take(alice)
        await hub.stop()
        assert await asyncio.wait_for(alice.next(), 1) is None


def test_metrics_count_streams_and_pops(live: LiveState, builder: Builder) -> None:
    metrics = Metrics()
    hub = DeskHub(live, str, builder, metrics, debounce=0)

    async def scenario() -> None:
        async with hub.subscription("alice") as alice:
            assert metrics.desk_streams._value.get() == 1
            feed(hub, live, connect("alice", "1700.1"))
            await take(alice), await take(alice)
        assert metrics.desk_streams._value.get() == 0

    asyncio.run(scenario())
    assert metrics.desk_pops.labels("ok")._value.get() == 1
