"""The dashboard document (JSON-ready): live queues and agents from AMI, today's figures from PostgreSQL (pure)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from acd.agents import interface_of
from acd.ami.event_types import DeviceState
from acd.live.calls import ConnectedCall
from acd.live.state import Instant, MemberState, QueueLive
from acd.queues.summary import member_counts
from allo.dashboard.help import HelpItem, help_view
from allo.dashboard.kpi import DayFigures, QueueTargets
from allo.dashboard.rag import rag_at_least, rag_at_most
from allo.planning.planner import NeededNow
from routing.calendar_types import PARIS


class LiveQueues(Protocol):
    """What the view reads of the live state: this node's LiveState, or the nodes' merged view (node_live.py)."""

    @property
    def queues(self) -> Mapping[str, QueueLive]: ...


CALLBACK_KEPT_TARGET_PCT = 90  # no per-queue column for it: one target for every queue (docs/dashboard.md)


class AgentState(enum.StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    PAUSED = "paused"
    WRAPUP = "wrapup"  # allo's wrap-up pause after a call (docs/desk.md): not a pause of their own
    BUSY = "busy"  # phone in use outside the queues
    UNAVAILABLE = "unavailable"  # logged in, but the phone is not registered


@dataclass(frozen=True, slots=True)
class AgentInfo:
    username: str
    display_name: str = ""
    queues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One node of a cluster as the dashboard shows it (allo/cluster/node_loss.py `NodeState`)."""

    name: str
    state: str  # up | asterisk_down | silent
    beat_seconds_ago: float


NODE_STATES = {"up": "en service", "asterisk_down": "Asterisk arrêté", "silent": "silencieux"}


@dataclass(frozen=True, slots=True)
class DayData:
    """What the background refresh reads from PostgreSQL every few seconds."""

    targets: tuple[QueueTargets, ...] = ()
    figures: Mapping[str, DayFigures] = field(default_factory=dict)
    agents: tuple[AgentInfo, ...] = ()
    calls_taken: Mapping[str, int] = field(default_factory=dict)
    relay: Mapping[str, int] = field(default_factory=dict)  # relay calls today: arrived, waiting, answered
    help: tuple[HelpItem, ...] = ()  # supervisor-help requests not yet taken in hand, oldest first
    node_lost: int = 0  # calls of today cut by the loss of their node (docs/scaling.md)
    nodes: tuple[NodeInfo, ...] = ()  # the cluster's nodes (none on a single node)
    refreshed_at: float | None = None
    error: str | None = None


def agent_state(members: Sequence[MemberState], call: ConnectedCall | None) -> AgentState:
    if not members:
        return AgentState.LOGGED_OUT
    if call is not None or any(m.in_call for m in members):
        return AgentState.ON_CALL
    if any(m.paused and not m.in_wrapup for m in members):
        return AgentState.PAUSED
    if any(m.in_wrapup for m in members):
        return AgentState.WRAPUP
    states = {m.status for m in members}
    if states & {DeviceState.RINGING, DeviceState.RINGINUSE}:
        return AgentState.RINGING
    if states & {DeviceState.UNAVAILABLE, DeviceState.INVALID}:
        return AgentState.UNAVAILABLE
    if states & {DeviceState.INUSE, DeviceState.BUSY, DeviceState.ONHOLD}:
        return AgentState.BUSY
    return AgentState.AVAILABLE


def _since(start: float | None, now_wall: float) -> float | None:
    return None if start is None else round(max(0.0, now_wall - start), 1)


def staffing_view(needed: NeededNow | None, counts: Mapping[str, int]) -> dict[str, Any]:
    """Advisers needed now (this half-hour of this week's plan, docs/planning.md) against those present now: logged
    in and not paused (an adviser in allo's wrap-up is at work: the plan's handling time includes it)."""
    present = counts["logged_in"] - counts["paused"]
    need = needed.needed if needed is not None else None
    return {"slot": needed.slot if needed is not None else None, "needed": need,
            "scheduled": needed.scheduled if needed is not None else None,
            "forecast_calls": needed.calls if needed is not None else None, "present": present,
            "short": need is not None and present < need}


def queue_view(targets: QueueTargets, live: QueueLive | None, figures: DayFigures | None,
               now: Instant, needed: NeededNow | None = None) -> dict[str, Any]:
    callers = live.ordered_waiting() if live is not None else []
    waits = [round(max(0.0, now.monotonic - c.joined_monotonic), 1) for c in callers]
    longest = max(waits, default=0.0)
    members = sorted(live.members.values(), key=lambda m: m.interface) if live is not None else []
    today = figures or DayFigures()
    counts = member_counts(live) if live is not None else \
        {"logged_in": 0, "available": 0, "on_call": 0, "paused": 0, "wrapup": 0}
    return {
        "name": targets.name,
        "label": targets.label,
        "level": targets.level,
        "waiting": len(callers),
        "longest_wait_seconds": longest,
        "callers": [{"uniqueid": c.uniqueid, "position": c.position, "wait_seconds": w}
                    for c, w in zip(callers, waits, strict=True)],
        "agents": counts,
        "staffing": staffing_view(needed, counts),
        "paused": [{"agent": m.name, "reason": m.reason, "paused_seconds": _since(m.paused_since, now.wall)}
                   for m in members if m.paused and not m.in_wrapup],
        "today": asdict(today) if figures is not None else None,
        "targets": {"service_level_seconds": targets.service_level, "service_level_pct": targets.sl_target_pct,
                    "short_abandon_seconds": targets.short_abandon, "asa_seconds": targets.asa_target,
                    "abandon_rate_pct": targets.abandon_target_pct, "callbacks_kept_pct": CALLBACK_KEPT_TARGET_PCT},
        "rag": {
            "longest_wait": rag_at_most(longest, targets.service_level).value,
            "service_level": rag_at_least(today.service_level_pct, targets.sl_target_pct).value,
            "asa": rag_at_most(today.asa_seconds, targets.asa_target).value,
            "abandon_rate": rag_at_most(today.abandon_rate_pct, targets.abandon_target_pct).value,
            "callbacks_kept": rag_at_least(today.callbacks_kept_pct, CALLBACK_KEPT_TARGET_PCT).value,
        },
    }


def agent_view(info: AgentInfo, live: LiveQueues, calls: Sequence[ConnectedCall], calls_today: int,
               now_wall: float) -> dict[str, Any]:
    interface = interface_of(info.username)
    members = {name: q.members[interface] for name, q in live.queues.items() if interface in q.members}
    mine = [c for c in calls if c.agent == info.username]
    call = mine[-1] if mine else None
    paused = [m for m in members.values() if m.paused]
    since = [m.paused_since for m in paused if m.paused_since is not None]
    return {
        "agent": info.username,
        "name": info.display_name,
        "state": agent_state(list(members.values()), call).value,
        "queues": sorted(members),
        "serves": list(info.queues),
        "paused": bool(paused),
        "pause_reason": paused[0].reason if paused else "",
        "paused_seconds": _since(min(since), now_wall) if since else None,
        "on_call": call is not None or any(m.in_call for m in members.values()),
        "call_seconds": _since(call.connected_wall, now_wall) if call is not None else None,
        "call_queue": call.queue if call is not None else None,
        "calls_today": calls_today,
    }


def _ordered_targets(day: DayData, live: LiveQueues) -> list[QueueTargets]:
    known = {t.name for t in day.targets}
    extra = [QueueTargets(name) for name in sorted(live.queues) if name not in known]
    return sorted(day.targets, key=lambda t: (t.level, t.name)) + extra


def _agents(day: DayData, live: LiveQueues) -> list[AgentInfo]:
    listed = [a for a in day.agents if a.queues]
    names = {a.username for a in listed}
    for queue in live.queues.values():
        for member in queue.members.values():
            username = member.interface.removeprefix("PJSIP/")
            if username not in names:
                names.add(username)
                listed.append(AgentInfo(username, member.name))
    return sorted(listed, key=lambda a: a.username)


@dataclass(frozen=True, slots=True)
class ClusterView:
    """Several nodes (docs/dashboard.md, "Two nodes"): the node of each waiting caller, each node's status."""

    caller_node: Mapping[str, str]
    nodes: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Alerts:
    """What the banner says now (not from the database: it must show while the database is away)."""

    access_code_surge: bool = False
    wrong_codes_last_minute: int = 0


def at_risk_view(at_risk: Sequence[tuple[str, datetime]], now_wall: float) -> dict[str, Any]:
    """Callbacks near their deadline whose citizen's phone has not rung yet: when each is due, never a number."""
    return {"count": len(at_risk),
            "callbacks": [{"queue": queue, "due_by": due_by.astimezone(PARIS).strftime("%H:%M"),
                           "due_in_seconds": round(due_by.timestamp() - now_wall)} for queue, due_by in at_risk]}


def dashboard_view(live: LiveQueues, calls: Sequence[ConnectedCall], day: DayData, now: Instant, *,
                   ami_up: bool, at_risk: Sequence[tuple[str, datetime]] = (),
                   alerts: Alerts | None = None, needed: Mapping[str, NeededNow] | None = None,
                   cluster: ClusterView | None = None) -> dict[str, Any]:
    """`cluster` (several nodes only): which node holds each waiting caller, and the nodes' freshness."""
    queues = [queue_view(t, live.queues.get(t.name), day.figures.get(t.name) if day.refreshed_at else None, now,
                         (needed or {}).get(t.name)) for t in _ordered_targets(day, live)]
    document: dict[str, Any] = {
        "generated_at": now.wall,
        "ami": "up" if ami_up else "down",
        "today": {"refreshed_at": day.refreshed_at, "error": day.error},
        "waiting": sum(q["waiting"] for q in queues),
        "callbacks_at_risk": at_risk_view(at_risk, now.wall),
        "alerts": asdict(alerts or Alerts()),
        "relay": {"arrived": day.relay.get("arrived", 0), "waiting": day.relay.get("waiting", 0),
                  "answered": day.relay.get("answered", 0)} if day.refreshed_at else None,
        "queues": queues,
        "agents": [agent_view(a, live, calls, day.calls_taken.get(a.username, 0), now.wall)
                   for a in _agents(day, live)],
        "help": help_view(day.help, {a.username: a.display_name for a in day.agents}, now.wall),
        "node_lost": day.node_lost if day.refreshed_at else None,
        "nodes": [{"name": n.name, "state": n.state, "label": NODE_STATES.get(n.state, n.state),
                   "beat_seconds_ago": n.beat_seconds_ago} for n in day.nodes],
    }
    if cluster is not None:
        for queue in queues:
            for caller in queue["callers"]:
                caller["node"] = cluster.caller_node.get(caller["uniqueid"])
        document["live_nodes"] = [dict(n) for n in cluster.nodes]
    return document
