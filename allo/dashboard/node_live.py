"""Both nodes' queues as one (docs/dashboard.md, "Two nodes"): each node's live view as JSON for `node_live`, and
the merge of this node's live view with the other nodes' fresh rows (pure: tested without a database).

A node's snapshot carries wall times only (monotonic clocks are per machine); the reader turns a remote caller's
arrival into its own monotonic clock. Uniqueids never collide across nodes (Asterisk's `systemname`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from acd.ami.event_types import DeviceState
from acd.live.calls import ConnectedCall
from acd.live.state import Instant, LiveState, MemberState, QueueLive, WaitingCaller

VERSION = 1

# A member's device state on two nodes: the one that says most about the adviser wins (a phone in use on b is in
# use, though a's Asterisk, which does not see b's calls, says it is free; a phone free on one node is reachable).
_RANK = {DeviceState.RINGINUSE: 9, DeviceState.INUSE: 8, DeviceState.BUSY: 8, DeviceState.ONHOLD: 8,
         DeviceState.RINGING: 7, DeviceState.NOT_INUSE: 5, DeviceState.UNKNOWN: 2, DeviceState.UNAVAILABLE: 1,
         DeviceState.INVALID: 0}


@dataclass(frozen=True, slots=True)
class RemoteRow:
    """One other node's `node_live` row, with its age measured by PostgreSQL's clock (no skew between nodes)."""

    node: str
    snapshot: Mapping[str, Any]
    age_seconds: float


@dataclass(frozen=True, slots=True)
class NodeStatus:
    node: str
    fresh: bool
    age_seconds: float | None  # None for this node (its view is the live one)
    ami: bool

    def document(self) -> dict[str, Any]:
        return {"node": self.node, "fresh": self.fresh, "age_seconds": self.age_seconds,
                "ami": "up" if self.ami else "down"}


@dataclass(slots=True)
class MergedLive:
    """What the dashboard view reads (`queues`, like LiveState's), plus which node holds each waiting caller."""

    queues: dict[str, QueueLive] = field(default_factory=dict)
    calls: list[ConnectedCall] = field(default_factory=list)
    caller_node: dict[str, str] = field(default_factory=dict)
    nodes: list[NodeStatus] = field(default_factory=list)


def snapshot_of(live: LiveState, calls: Sequence[ConnectedCall], *, ami_up: bool) -> dict[str, Any]:
    """This node's live view, JSON-ready, without the time it was taken (so that an unchanged view compares
    equal and is not rewritten)."""
    queues = {}
    for name, queue in sorted(live.queues.items()):
        queues[name] = {
            "strategy": queue.strategy,
            "waiting": [{"uniqueid": c.uniqueid, "position": c.position, "joined": round(c.joined_wall, 1)}
                        for c in queue.ordered_waiting()],
            "members": [{"interface": m.interface, "name": m.name, "status": m.status.name, "paused": m.paused,
                         "reason": m.reason, "in_call": m.in_call, "calls_taken": m.calls_taken,
                         "paused_since": m.paused_since} for m in sorted(queue.members.values(),
                                                                         key=lambda m: m.interface)],
        }
    return {"v": VERSION, "ami": ami_up, "queues": queues,
            "calls": [{"call_id": c.call_id, "queue": c.queue, "agent": c.agent, "channel": c.agent_channel,
                       "connected": c.connected_wall} for c in calls]}


def _status(name: str) -> DeviceState:
    try:
        return DeviceState[name]
    except KeyError:
        return DeviceState.UNKNOWN


def _merge_member(mine: MemberState | None, theirs: MemberState) -> MemberState:
    if mine is None:
        return theirs
    paused = [m for m in (mine, theirs) if m.paused]
    # A pause of the adviser's own says more than allo's wrap-up pause on the other node.
    paused.sort(key=lambda m: m.in_wrapup)
    since = [m.paused_since for m in paused if m.paused_since is not None]
    return MemberState(interface=mine.interface, name=mine.name or theirs.name,
                       status=max((mine.status, theirs.status), key=lambda s: _RANK.get(s, 2)),
                       paused=bool(paused), reason=paused[0].reason if paused else "",
                       in_call=mine.in_call or theirs.in_call, calls_taken=mine.calls_taken + theirs.calls_taken,
                       paused_since=min(since) if since else None)


def _remote_queue(name: str, data: Mapping[str, Any], now: Instant) -> QueueLive:
    queue = QueueLive(name=name, strategy=str(data.get("strategy", "")))
    for c in data.get("waiting", ()):
        joined = float(c["joined"])
        queue.waiting[str(c["uniqueid"])] = WaitingCaller(uniqueid=str(c["uniqueid"]), position=int(c["position"]),
                                                          joined_monotonic=now.monotonic - (now.wall - joined),
                                                          joined_wall=joined)
    for m in data.get("members", ()):
        queue.members[str(m["interface"])] = MemberState(
            interface=str(m["interface"]), name=str(m.get("name", "")), status=_status(str(m.get("status", ""))),
            paused=bool(m.get("paused")), reason=str(m.get("reason", "")), in_call=bool(m.get("in_call")),
            calls_taken=int(m.get("calls_taken", 0)), paused_since=m.get("paused_since"))
    return queue


def _copy(queue: QueueLive) -> QueueLive:
    return QueueLive(name=queue.name, strategy=queue.strategy,
                     waiting={u: WaitingCaller(c.uniqueid, c.position, c.joined_monotonic, c.joined_wall)
                              for u, c in queue.waiting.items()},
                     members=dict(queue.members), counters=queue.counters)


def _interleave(lists: Iterable[list[WaitingCaller]]) -> list[WaitingCaller]:
    """One list by arrival, each node's own order kept (its queue's priorities): a merge of the nodes' lists."""
    return list(heapq.merge(*lists, key=lambda c: c.joined_wall))


def merge_live(node: str, live: LiveState, calls: Sequence[ConnectedCall], remotes: Sequence[RemoteRow],
               now: Instant, *, ami_up: bool, fresh_seconds: float) -> MergedLive:
    """This node's live view with every fresh remote row: a queue's callers from all nodes in one list (by
    arrival), members merged (in a call on either node is in a call), calls listed together. A stale row (its node
    silent for longer than `fresh_seconds`), or one whose allo does not see its Asterisk, is left out of the figures
    and listed in `nodes` as it is."""
    merged = MergedLive(queues={name: _copy(q) for name, q in live.queues.items()}, calls=list(calls),
                        nodes=[NodeStatus(node, True, None, ami_up)])
    per_queue: dict[str, list[list[WaitingCaller]]] = {n: [q.ordered_waiting()] for n, q in live.queues.items()}
    for queue in live.queues.values():
        merged.caller_node.update({u: node for u in queue.waiting})
    for row in sorted(remotes, key=lambda r: r.node):
        fresh = row.age_seconds <= fresh_seconds and row.snapshot.get("v") == VERSION
        ami = bool(row.snapshot.get("ami"))
        merged.nodes.append(NodeStatus(row.node, fresh, round(row.age_seconds, 1), ami))
        if not (fresh and ami):
            continue  # a node that does not see its Asterisk has only its last view of it: not the truth now
        for name, data in row.snapshot.get("queues", {}).items():
            theirs = _remote_queue(name, data, now)
            target = merged.queues.setdefault(name, QueueLive(name=name, strategy=theirs.strategy))
            for interface, member in theirs.members.items():
                target.members[interface] = _merge_member(target.members.get(interface), member)
            per_queue.setdefault(name, []).append(theirs.ordered_waiting())
            merged.caller_node.update({u: row.node for u in theirs.waiting})
        merged.calls.extend(ConnectedCall(str(c["call_id"]), str(c["queue"]), str(c["agent"]), str(c["channel"]),
                                          float(c["connected"])) for c in row.snapshot.get("calls", ()))
    for name, lists in per_queue.items():
        ordered = _interleave(lists)
        merged.queues[name].waiting = {c.uniqueid: WaitingCaller(c.uniqueid, position, c.joined_monotonic,
                                                                 c.joined_wall)
                                       for position, c in enumerate(ordered, start=1)}
    merged.calls.sort(key=lambda c: c.connected_wall)
    return merged
