"""The desks across nodes (docs/desk.md, "Two nodes"): what a node tells the others of its advisers' calls, how a
payload is read (its own ignored), and the hub delivering another node's call to the adviser's desk here."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from acd.ami.events import AgentComplete, Hangup
from acd.live.state import LiveState
from allo.desk.hub import DeskHub
from allo.desk.node_events import NodeEvent, NodeEventKind, read_event
from allo.desk.pop import PopOrigin
from allo.desk.subscription import DeskEvent
from allo.metrics import Metrics
from tests.unit.allo.desk.test_desk_hub import Builder, Clock, connect, feed, live, member_event, take

__all__ = ["live"]  # the live state fixture of the hub's tests


def node_hub(live: LiveState, node: str, sent: list[NodeEvent], builder: Builder | None = None) -> DeskHub:
    clock = Clock()
    return DeskHub(live, lambda code: code, builder or Builder(), Metrics(), debounce=0, clock=clock,
                   wall=lambda: 1_700_000_000.0 + clock.now, node=node, publish=sent.append)


def test_a_payload_round_trip_and_what_is_ignored() -> None:
    event = NodeEvent("b", NodeEventKind.CONNECTED, "alice", "b-1700000000.7", "l1", 0, "callback", 1.5e9)
    payload = event.payload()
    assert len(payload) < 300 and json.loads(payload)["v"] == 1
    assert read_event(payload, "a") == event
    assert read_event(payload, "b") is None  # a node's own notification, heard by its LISTEN too
    ended = NodeEvent("b", NodeEventKind.ENDED, "alice", "b-1.7", wrapup_deadline=1_700_000_100)
    assert read_event(ended.payload(), "a") == ended
    for garbled in ("", "{", "[]", '{"v":2,"node":"b","kind":"ended","agent":"x","call_id":"y"}',
                    '{"v":1,"node":"b","kind":"exploded","agent":"x","call_id":"y"}',
                    '{"v":1,"node":"b","kind":"ended","agent":"x"}'):
        assert read_event(garbled, "a") is None, garbled
    notes = NodeEvent("b", NodeEventKind.NOTES, "", "b-1.7")  # written by a supervisor: no adviser's name
    assert read_event(notes.payload(), "a") == notes
    assert event.pop_request(0).origin is PopOrigin.CALLBACK
    assert NodeEvent("b", NodeEventKind.CONNECTED, "x", "y", origin="new").pop_request(9.0).origin is PopOrigin.QUEUE


async def test_this_nodes_connection_and_end_are_told_to_the_others(live: LiveState) -> None:
    sent: list[NodeEvent] = []
    hub = node_hub(live, "a", sent)
    await hub.start()
    try:
        feed(hub, live, member_event("alice", in_call=True), connect("alice", "a-1.1", holdtime=9),
             member_event("alice", paused=True, reason="apres-appel/1700000120/a-1.1"),
             AgentComplete("l1", "a-1.1", "PJSIP/alice", "alice", 9, 30, "caller"))
    finally:
        await hub.stop()
    assert [(e.node, e.kind, e.agent, e.call_id) for e in sent] == \
        [("a", NodeEventKind.CONNECTED, "alice", "a-1.1"), ("a", NodeEventKind.ENDED, "alice", "a-1.1")]
    assert (sent[0].queue, sent[0].waited_s, sent[0].origin) == ("l1", 9, "queue")
    assert sent[1].wrapup_deadline == 1_700_000_120


async def test_another_nodes_call_pops_on_the_desk_here_and_ends(live: LiveState) -> None:
    sent: list[NodeEvent] = []
    builder = Builder()
    hub = node_hub(live, "a", sent, builder)
    await hub.start()
    try:
        async with hub.subscription("alice") as alice, hub.subscription("bob") as bob:
            assert (await take(alice))[1]["status"] == "disponible"
            await take(bob)
            hub.on_node_event(NodeEvent("b", NodeEventKind.CONNECTED, "alice", "b-1.4", "l1", 12, "queue", 5.0))
            kinds: dict[DeskEvent, dict[str, Any]] = {}
            while len(kinds) < 2:
                kind, document = await take(alice)
                kinds[kind] = document
            assert kinds[DeskEvent.POP]["call_id"] == "b-1.4" and kinds[DeskEvent.POP]["waited_s"] == 12
            # a's Asterisk sees alice free: her desk says she is in a call all the same.
            assert (kinds[DeskEvent.STATE]["status"], kinds[DeskEvent.STATE]["in_call"]) == ("en-appel", True)
            assert builder.requests[0].event_wall == 5.0
            assert hub.current_call("alice") == "b-1.4" and hub.connected_to("b-1.4", "alice")
            # This node's resync or a local hang-up of another uniqueid does not end b's call.
            hub.on_resync([])
            feed(hub, live, Hangup("a-9.9", "a-9.9", "PJSIP/x", 16))
            assert hub.current_call("alice") == "b-1.4"
            hub.on_node_event(NodeEvent("b", NodeEventKind.ENDED, "alice", "b-1.4", wrapup_deadline=1_700_000_200))
            ended: dict[DeskEvent, dict[str, Any]] = {}
            while DeskEvent.CALL_ENDED not in ended or ended.get(DeskEvent.STATE, {}).get("in_call", True):
                kind, document = await asyncio.wait_for(take(alice), 1)
                ended[kind] = document
            assert ended[DeskEvent.CALL_ENDED] == {"call_id": "b-1.4", "wrapup_deadline": 1_700_000_200}
            assert ended[DeskEvent.STATE]["status"] == "disponible"
            assert hub.current_call("alice") is None
            assert bob.pending == []  # nobody else's
    finally:
        await hub.stop()
    assert sent == []  # what came from b is not told again


async def test_an_end_of_another_call_is_ignored(live: LiveState) -> None:
    hub = node_hub(live, "a", [])
    hub.on_node_event(NodeEvent("b", NodeEventKind.CONNECTED, "alice", "b-1.4"))
    hub.on_node_event(NodeEvent("b", NodeEventKind.ENDED, "alice", "b-0.1"))
    assert hub.current_call("alice") == "b-1.4"
    assert hub.state("alice")["in_call"]


class NotesBuilder(Builder):
    async def notes(self, call_id: str) -> list[dict[str, Any]]:
        return [{"id": 1, "author": "sup", "text": f"note on {call_id}"}]


async def test_a_note_changed_on_another_node_reaches_the_desk_here_and_one_here_is_told(live: LiveState) -> None:
    sent: list[NodeEvent] = []
    hub = node_hub(live, "a", sent, NotesBuilder())
    await hub.start()
    try:
        async with hub.subscription("alice") as alice:
            await take(alice)
            hub.on_node_event(NodeEvent("b", NodeEventKind.CONNECTED, "alice", "b-1.4", "l1", 12))
            hub.on_node_event(NodeEvent("b", NodeEventKind.NOTES, "", "b-2.2"))  # nobody here on that call
            hub.on_node_event(NodeEvent("b", NodeEventKind.NOTES, "", "b-1.4"))
            got: dict[DeskEvent, dict[str, Any]] = {}
            while DeskEvent.NOTES not in got:
                kind, document = await take(alice)
                got[kind] = document
            assert got[DeskEvent.NOTES] == {"call_id": "b-1.4", "notes": [{"id": 1, "author": "sup",
                                                                             "text": "note on b-1.4"}]}
            assert sent == []  # what b said is not told again
            # Her own note, written on b, is not pushed back to her.
            hub.on_node_event(NodeEvent("b", NodeEventKind.NOTES, "alice", "b-1.4"))
            await hub.pops_read()
            assert DeskEvent.NOTES not in alice.pending
            # A note written through this node is told to the others (who may show the call's desk).
            hub.notes_changed("b-1.4", [], by_agent="bob")
            assert [(e.kind, e.agent, e.call_id) for e in sent] == [(NodeEventKind.NOTES, "bob", "b-1.4")]
    finally:
        await hub.stop()


async def test_the_calls_of_a_node_gone_silent_are_ended_on_the_desks_here(live: LiveState) -> None:
    sent: list[NodeEvent] = []
    hub = node_hub(live, "a", sent)
    await hub.start()
    try:
        async with hub.subscription("alice") as alice:
            await take(alice)
            hub.on_node_event(NodeEvent("b", NodeEventKind.CONNECTED, "alice", "b-1.4"))
            hub.on_node_event(NodeEvent("c", NodeEventKind.CONNECTED, "bob", "c-1.1"))
            hub.nodes_lost(set())
            assert hub.current_call("alice") == "b-1.4"
            hub.nodes_lost({"b"})
            assert hub.current_call("alice") is None and hub.current_call("bob") == "c-1.1"
            got: dict[DeskEvent, dict[str, Any]] = {}
            while DeskEvent.CALL_ENDED not in got:
                kind, document = await take(alice)
                got[kind] = document
            assert got[DeskEvent.CALL_ENDED] == {"call_id": "b-1.4", "wrapup_deadline": None}
            assert not hub.state("alice")["in_call"]
    finally:
        await hub.stop()
    assert sent == []
