"""The wrap-up after a call, owned by allo (docs/desk.md "Wrap-up"; queues run with Asterisk `wrapuptime = 0`).

At the answer the adviser is paused in every queue with `apres-appel/0/<call id>` (still in the call: no new call
can be offered at its end, no race); at the end the reason becomes `apres-appel/<deadline>/<call id>` (deadline =
end + the queue's `wrapup_time`), the history says `wrapup_start` and the wrap-up row gets `call_ended_at`. The
pause is lifted when the adviser saves the wrap-up (`finish`) or at the deadline (a timer per adviser). The
reconciler (at start, on every AMI resync, every `interval` s) reads every paused member of the live state and
lifts what `acd.wrapup.reconcile` says: a wrap-up pause never outlives its deadline, even across a restart of allo
(Asterisk keeps the reason). A pause whose reason is not a wrap-up one is the adviser's own: never lifted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.ami.client import AmiClient
from acd.ami.event_types import AgentConnect, AmiEvent
from acd.live.state import LiveState
from acd.wrapup import WrapupAction, parse_wrapup_reason, reconcile, wrapup_reason
from allo.agents.history import record_state
from allo.db.desk_models import AgentStateKind, StateSource
from allo.desk import wrapup_store
from allo.desk.wrapup_events import CallPhase, agent_of, call_phase, interface_of, member_pause, paused_members
from allo.metrics import Metrics
from allo.tasks import Jobs, cancel_and_wait

log = logging.getLogger(__name__)

DIRECT_GRACE_S = 10.0  # after a direct ring's answer, the phone's "in use" state has surely reached the live state


class WrapupManager:
    def __init__(self, engine: AsyncEngine, ami: AmiClient, live: LiveState, wrapup_time: Callable[[str], int],
                 metrics: Metrics, *, interval: float = 2.0, clock: Callable[[], float] = time.time) -> None:
        self._engine, self._ami, self._live, self._metrics = engine, ami, live, metrics
        self._wrapup_time = wrapup_time  # seconds of wrap-up after a call of a queue (0: none)
        self._interval, self._clock = interval, clock
        self._direct: dict[str, CallPhase] = {}  # direct rings in progress (no AgentComplete follows), by call
        self._direct_at: dict[str, float] = {}  # when each was answered (monotonic)
        self._busy: Counter[str] = Counter()  # interfaces whose pause allo is changing now: the reconciler waits
        self._timers: dict[str, asyncio.Task[None]] = {}  # interface → the lift at its deadline
        self._wrapping: dict[str, str] = {}  # interface → the call whose wrap-up runs (its call has ended)
        self._locks: dict[str, asyncio.Lock] = {}  # one change of an adviser's pause at a time
        self._jobs = Jobs(log, "wrap-up pause not changed")
        self._task: asyncio.Task[None] | None = None

    # -- AMI listeners ------------------------------------------------------------------------------------

    def on_event(self, event: AmiEvent) -> None:
        phase = call_phase(event, self._direct)
        if phase is None or self._wrapup_time(phase.queue) <= 0:
            return
        if phase.answered and not isinstance(event, AgentConnect):
            self._direct[phase.call_id] = phase
            self._direct_at[phase.call_id] = time.monotonic()
        elif not phase.answered:
            self._direct.pop(phase.call_id, None)
            self._direct_at.pop(phase.call_id, None)
        self._busy[phase.interface] += 1
        self._jobs.start(self._answered(phase) if phase.answered else self._ended(phase))

    def on_resync(self, _snapshot: Sequence[AmiEvent]) -> None:
        # Hang-ups may have been missed while AMI was away: the phones' states in the snapshot say who is in a call.
        self._direct.clear()
        self._direct_at.clear()
        self._jobs.start(self.reconcile())

    def _done(self, interface: str) -> None:
        self._busy[interface] -= 1
        if self._busy[interface] <= 0:
            del self._busy[interface]

    # -- the call's answer and end ----------------------------------------------------------------------------

    async def _answered(self, phase: CallPhase) -> None:
        try:
            async with self._lock(phase.interface):
                self._cancel_timer(phase.interface)
                self._wrapping.pop(phase.interface, None)
                if member_pause(self._live.queues, phase.interface).own:
                    return  # paused by themself (a direct ring reaches a paused adviser): their pause stands
                await self._ami.queue_pause(None, phase.interface, True, wrapup_reason(0, phase.call_id))
        finally:
            self._done(phase.interface)

    async def _ended(self, phase: CallPhase) -> None:
        try:
            async with self._lock(phase.interface):
                await self._end(phase)
        finally:
            self._done(phase.interface)

    async def _end(self, phase: CallPhase) -> None:
        end = self._clock()
        deadline = int(end) + self._wrapup_time(phase.queue)
        saved = False
        try:  # the row is bookkeeping: the pause is what matters here
            saved = await wrapup_store.call_ended(self._engine, phase.call_id, phase.agent, phase.queue,
                                                  datetime.fromtimestamp(end, UTC))
        except Exception as exc:
            log.warning("wrap-up row of %s not stamped: %s: %s", phase.call_id, type(exc).__name__, exc)
        if member_pause(self._live.queues, phase.interface).own:
            return  # their own pause replaced the wrap-up: it is theirs to end
        self._metrics.wrapups.labels("started").inc()
        await record_state(self._engine, phase.agent, AgentStateKind.WRAPUP_START, StateSource.SYSTEM,
                           call_id=phase.call_id, at=datetime.fromtimestamp(end, UTC))
        if saved:  # the wrap-up was saved during the call: nothing to wait for
            await self._lift(phase.interface, phase.agent, phase.call_id, saved=True)
            return
        await self._ami.queue_pause(None, phase.interface, True, wrapup_reason(deadline, phase.call_id))
        self._wrapping[phase.interface] = phase.call_id
        self._cancel_timer(phase.interface)
        self._timers[phase.interface] = asyncio.create_task(self._at_deadline(phase, deadline))

    def _lock(self, interface: str) -> asyncio.Lock:
        return self._locks.setdefault(interface, asyncio.Lock())

    def _cancel_timer(self, interface: str) -> None:
        timer = self._timers.pop(interface, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    async def _at_deadline(self, phase: CallPhase, deadline: int) -> None:
        await asyncio.sleep(max(0.0, deadline - self._clock()))
        async with self._lock(phase.interface):
            self._timers.pop(phase.interface, None)
            if self._wrapping.get(phase.interface) != phase.call_id:
                return  # saved, or another call answered meanwhile
            try:
                await self._lift(phase.interface, phase.agent, phase.call_id)
            except Exception as exc:  # the reconciler lifts it on its next round
                log.warning("wrap-up of %s not lifted at its deadline: %s: %s", phase.agent, type(exc).__name__,
                            exc)

    # -- lifting ---------------------------------------------------------------------------------------

    async def finish(self, agent: str, call_id: str) -> bool:
        """The adviser saved the wrap-up of `call_id`: lift its wrap-up pause now (not while still in the call:
        then the end lifts it at once; never an own pause); True when a pause was lifted."""
        interface = interface_of(agent)
        async with self._lock(interface):
            wrapup = parse_wrapup_reason(member_pause(self._live.queues, interface).reason)
            ended = self._wrapping.get(interface) == call_id or (
                wrapup is not None and wrapup.call_id == call_id and wrapup.deadline > 0)  # after a restart
            if not ended:
                return False
            self._cancel_timer(interface)
            return await self._lift(interface, agent, call_id, saved=True)

    async def _lift(self, interface: str, agent: str, call_id: str, *, saved: bool = False,
                    reconciled: bool = False) -> bool:
        self._wrapping.pop(interface, None)
        if member_pause(self._live.queues, interface).own:
            return False
        await self._ami.queue_pause(None, interface, False)
        await record_state(self._engine, agent, AgentStateKind.WRAPUP_END,
                           StateSource.DESK if saved else StateSource.SYSTEM, actor=agent if saved else None,
                           call_id=call_id)
        if saved:
            self._metrics.wrapups.labels("saved").inc()
        else:
            with contextlib.suppress(Exception):
                if await wrapup_store.expire(self._engine, call_id, agent):
                    self._metrics.wrapups.labels("expired").inc()
        if reconciled:
            self._metrics.wrapup_reconciler_lifts.inc()
        return True

    async def reconcile(self) -> int:
        """Lift every wrap-up pause of the live state that is past its deadline (or marked in a call that is
        over); the number lifted."""
        if not self._ami.connected:
            return 0
        lifted = 0
        for interface, name in paused_members(self._live.queues).items():
            if interface in self._busy or interface in self._timers or self._lock(interface).locked():
                continue  # allo is changing this pause now, or its own timer lifts it at the deadline
            if await self._reconcile_one(interface, agent_of(interface, name)):
                lifted += 1
        return lifted

    async def _reconcile_one(self, interface: str, agent: str) -> bool:
        async with self._lock(interface):
            pause = member_pause(self._live.queues, interface)
            # A direct ring is no queue call: the phone's state may reach the live state a moment after its answer.
            fresh = time.monotonic() - DIRECT_GRACE_S
            in_call = pause.in_call or any(ring.interface == interface and self._direct_at.get(call, 0) > fresh
                                           for call, ring in self._direct.items())
            if reconcile(pause.reason, in_call, self._clock()) is not WrapupAction.LIFT:
                return False
            wrapup = parse_wrapup_reason(pause.reason)
            return await self._lift(interface, agent, wrapup.call_id if wrapup else "", reconciled=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception as exc:  # an AMI or database hiccup: the next round tries again
                log.warning("wrap-up reconciler: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self._interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for timer in list(self._timers.values()):
            await cancel_and_wait(timer)
        self._timers.clear()
        await self._jobs.stop()
