"""The desks' live hub: each adviser's streams get their own state, screen-pops and call ends, nobody else's.

Fed by typed AMI events (after the live state has applied them). A member event of `PJSIP/<agent>` marks that
adviser's state dirty; one publisher task coalesces a burst (`debounce`) and pushes a state only when it changed.
`AgentConnect` and `PreferredAgentAnswer` (a repeat caller rung directly) start one context read for the call
(shared by the adviser's tabs); `AgentComplete` or the `Hangup` of the adviser's current call push `call-ended`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any, Protocol

from acd.ami.event_types import AgentComplete, AgentConnect, AmiEvent, Hangup, MemberEventBase, PreferredAgentAnswer
from acd.live.state import LiveState
from acd.wrapup import parse_wrapup_reason
from allo.desk.node_events import NodeEvent, NodeEventKind
from allo.desk.pop import PopOrigin, PopRequest
from allo.desk.state import members_of, state_document, with_call_elsewhere
from allo.desk.subscription import DeskEvent, DeskSubscription
from allo.metrics import Metrics
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class PopBuilder(Protocol):
    async def pop(self, request: PopRequest) -> dict[str, Any]: ...

    async def notes(self, call_id: str) -> list[dict[str, Any]]: ...


MEMBER_INTERFACE = re.compile(r"^PJSIP/([a-z0-9][a-z0-9_-]{0,62})$")


def agent_of_interface(interface: str) -> str | None:
    """'PJSIP/agent1001' -> 'agent1001' (a queue member's interface is its endpoint, named after the agent)."""
    match = MEMBER_INTERFACE.match(interface)
    return match.group(1) if match else None


def encode(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str)


class DeskHub:
    def __init__(self, live: LiveState, label: Callable[[str], str], builder: PopBuilder, metrics: Metrics, *,
                 debounce: float = 0.05, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, node: str = "",
                 publish: Callable[[NodeEvent], None] | None = None) -> None:
        self._live = live
        self._node = node
        self._publish = publish  # several nodes: this node's connections and ends told to the others
        self._label = label
        self._builder = builder
        self._metrics = metrics
        self.debounce = debounce
        self._clock = clock
        self._wall = wall
        self._subs: dict[str, set[DeskSubscription]] = {}
        self._current: dict[str, str] = {}  # agent -> call connected to them now
        self._elsewhere: dict[str, tuple[str, str]] = {}  # agent -> (node, call) when their call is on another node
        self._pops: dict[str, dict[str, Any]] = {}  # agent -> the pop of their current (or last) call
        self._dirty: dict[str, float] = {}  # agent -> clock() of the first event of the burst
        self._last_state: dict[str, str] = {}
        self._changed = asyncio.Event()
        self._publisher: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()

    # -- inputs (synchronous AMI listeners) --------------------------------------------------------
    def on_event(self, event: AmiEvent) -> None:
        if isinstance(event, MemberEventBase):
            agent = agent_of_interface(event.interface)
            if agent is not None and agent in self._subs:
                self._dirty.setdefault(agent, self._clock())
                self._changed.set()
        elif isinstance(event, AgentConnect):
            agent = agent_of_interface(event.interface) or event.member_name
            if agent:
                self._connected(PopRequest(event.uniqueid, agent, event.queue, event.holdtime, PopOrigin.QUEUE,
                                           self._wall()))
        elif isinstance(event, PreferredAgentAnswer):
            self._connected(PopRequest(event.call_id, event.agent, event.queue, None, PopOrigin.REPEAT, self._wall()))
        elif isinstance(event, AgentComplete):
            agent = agent_of_interface(event.interface) or event.member_name
            if agent and self._current.get(agent) == event.uniqueid:
                self._ended(agent, event.uniqueid)
        elif isinstance(event, Hangup):
            for agent in [a for a, call in self._current.items() if call == event.uniqueid]:
                self._ended(agent, event.uniqueid)

    def on_resync(self, _snapshot: Sequence[AmiEvent]) -> None:
        """After a reconnection: every open desk gets its state again; a call whose end was missed is ended."""
        for agent, call_id in list(self._current.items()):
            if agent in self._elsewhere:
                continue  # another node's call: its end comes from that node
            if not any(member.in_call for member in members_of(self._live, agent).values()):
                self._ended(agent, call_id)
        for agent in self._subs:
            self._dirty.setdefault(agent, self._clock())
        self._changed.set()

    def notes_changed(self, call_id: str, notes: list[dict[str, Any]], *, by_agent: str | None,
                      from_node: str = "") -> int:
        """Someone's note on a call changed: the advisers now on that call (but its author) get the notes; the
        other nodes are told (but when `from_node`, another node, told this one)."""
        if not from_node and self._publish is not None:
            self._publish(NodeEvent(self._node, NodeEventKind.NOTES, by_agent or "", call_id))
        told = 0
        for agent, call in self._current.items():
            if call != call_id or agent == by_agent:
                continue
            pop = self._pops.get(agent)
            if pop is not None and pop.get("call_id") == call_id:
                pop["notes"] = notes
            self.push(agent, DeskEvent.NOTES, {"call_id": call_id, "notes": notes})
            told += 1
        return told

    def on_node_event(self, event: NodeEvent) -> None:
        """Another node's call connected to an adviser, or ended, or its notes changed: their desk here pops it,
        ends it, or gets the notes."""
        if event.kind is NodeEventKind.CONNECTED:
            self._connected(event.pop_request(self._wall()), node=event.node)
        elif event.kind is NodeEventKind.NOTES:
            if any(call == event.call_id and agent != event.agent for agent, call in self._current.items()):
                self._start(self._notes_of(event), f"desk-notes-{event.call_id}")
        elif self._current.get(event.agent) == event.call_id:
            self._ended(event.agent, event.call_id, deadline=event.wrapup_deadline, node=event.node)

    def nodes_lost(self, nodes: set[str]) -> None:
        """These other nodes are silent (their live view is stale): their calls are lost, and their `ended` will
        never come: the desks here end them."""
        for agent, (node, call_id) in list(self._elsewhere.items()):
            if node in nodes:
                self._ended(agent, call_id, node=node)

    # -- reading -----------------------------------------------------------------------------------
    def state(self, agent: str) -> dict[str, Any]:
        document = state_document(self._live, agent, self._label)
        # This node's Asterisk does not see a call on another node: the adviser is in a call all the same.
        return with_call_elsewhere(document) if agent in self._elsewhere else document

    def current_call(self, agent: str) -> str | None:
        return self._current.get(agent)

    def current_pop(self, agent: str) -> dict[str, Any] | None:
        return self._pops.get(agent)

    def connected_to(self, call_id: str, agent: str) -> bool:
        return self._current.get(agent) == call_id

    @contextlib.asynccontextmanager
    async def subscription(self, agent: str) -> AsyncIterator[DeskSubscription]:
        subscription = DeskSubscription(agent)
        self._subs.setdefault(agent, set()).add(subscription)
        self._metrics.desk_streams.inc()
        try:
            state = encode(self.state(agent))
            self._last_state[agent] = state
            subscription.offer(DeskEvent.STATE, state)
            pop = self._pops.get(agent)
            if pop is not None and self._current.get(agent) == pop.get("call_id"):
                subscription.offer(DeskEvent.POP, encode(pop))
            yield subscription
        finally:
            self._metrics.desk_streams.dec()
            subs = self._subs.get(agent)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subs[agent]
                    self._last_state.pop(agent, None)

    @property
    def streams(self) -> int:
        return sum(len(subs) for subs in self._subs.values())

    async def pops_read(self) -> None:
        """Wait until every screen-pop being read now has been pushed (or dropped)."""
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)

    # -- life --------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._changed = asyncio.Event()
        self._publisher = asyncio.create_task(self._publish_loop(), name="desk-publish")

    async def stop(self) -> None:
        await cancel_and_wait(self._publisher)
        self._publisher = None
        for job in list(self._jobs):
            await cancel_and_wait(job)
        for subs in self._subs.values():
            for subscription in subs:
                subscription.close()

    # -- inner -------------------------------------------------------------------------------------
    def push(self, agent: str, kind: DeskEvent, document: dict[str, Any]) -> None:
        """Hand one event to every open stream of `agent` (the wrap-up manager sends its `wrapup` events here)."""
        data = encode(document)
        for subscription in self._subs.get(agent, ()):
            subscription.offer(kind, data)

    def _connected(self, request: PopRequest, *, node: str = "") -> None:
        """`node`: the other node the call is on (empty: this node's, told to the others)."""
        self._current[request.agent] = request.call_id
        self._pops.pop(request.agent, None)
        if node:
            self._elsewhere[request.agent] = (node, request.call_id)
            self._dirty.setdefault(request.agent, self._clock())
            self._changed.set()
        else:
            self._elsewhere.pop(request.agent, None)
            if self._publish is not None:
                self._publish(NodeEvent(self._node, NodeEventKind.CONNECTED, request.agent, request.call_id,
                                        request.queue, request.waited_s, request.origin.value, request.event_wall))
        if request.agent in self._subs:
            self._start(self._pop(request), f"desk-pop-{request.call_id}")

    def _start(self, job: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(job, name=name)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _notes_of(self, event: NodeEvent) -> None:
        try:
            notes = await self._builder.notes(event.call_id)
        except Exception as exc:  # the database away: the notes show at the next change or the next pop
            log.warning("notes of call %s not read: %s", event.call_id, type(exc).__name__)
            return
        self.notes_changed(event.call_id, notes, by_agent=event.agent or None, from_node=event.node)

    async def _pop(self, request: PopRequest) -> None:
        try:
            pop = await self._builder.pop(request)
        except Exception:  # the builder degrades by itself; this is a bug, logged, and the state still shows
            log.exception("screen-pop of %s for %s not built", request.call_id, request.agent)
            return
        if self._current.get(request.agent) != request.call_id:
            return  # the call ended (or another one came) while its context was read
        self._pops[request.agent] = pop
        self.push(request.agent, DeskEvent.POP, pop)
        self._metrics.desk_pops.labels("degraded" if pop.get("error") else "ok").inc()
        self._metrics.desk_push_seconds.labels(DeskEvent.POP.value).observe(max(0.0, self._wall() - request.event_wall))

    def _ended(self, agent: str, call_id: str, *, deadline: int | None = None, node: str = "") -> None:
        """`node`: the other node that said the call ended, with the wrap-up `deadline` it holds."""
        del self._current[agent]
        self._elsewhere.pop(agent, None)
        pop = self._pops.get(agent)
        if pop is not None and pop.get("call_id") == call_id:
            # The previous contact of a repeat caller is shown only while that caller is on the line.
            self._pops[agent] = {**pop, "repeat": None, "ended": True}
        for member in members_of(self._live, agent).values() if not node else ():
            wrapup = parse_wrapup_reason(member.reason) if member.paused else None
            if wrapup is not None and wrapup.call_id == call_id and wrapup.deadline > 0:
                deadline = wrapup.deadline
        if not node and self._publish is not None:
            self._publish(NodeEvent(self._node, NodeEventKind.ENDED, agent, call_id, wrapup_deadline=deadline))
        self.push(agent, DeskEvent.CALL_ENDED, {"call_id": call_id, "wrapup_deadline": deadline})
        self._dirty.setdefault(agent, self._clock())
        self._changed.set()

    async def _publish_loop(self) -> None:
        while True:
            await self._changed.wait()
            if self.debounce:
                await asyncio.sleep(self.debounce)  # let the rest of a burst of events arrive
            self._changed.clear()
            dirty, self._dirty = self._dirty, {}
            self.publish(dirty)

    def publish(self, dirty: dict[str, float]) -> None:
        """Push the state of each dirty adviser whose desk is open, when it changed since the last push."""
        for agent, since in dirty.items():
            if agent not in self._subs:
                continue
            data = encode(self.state(agent))
            if self._last_state.get(agent) == data:
                continue
            self._last_state[agent] = data
            for subscription in self._subs[agent]:
                subscription.offer(DeskEvent.STATE, data)
            self._metrics.desk_push_seconds.labels(DeskEvent.STATE.value).observe(max(0.0, self._clock() - since))
