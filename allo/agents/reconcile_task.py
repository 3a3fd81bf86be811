"""The advisers' reconciler of one node (docs/agents.md, docs/scaling.md): makes this node's Asterisk match the
desired state in PostgreSQL.

It runs at once for the advisers named by a `NOTIFY allo_agents` (another node's action, a row changed by hand),
for every adviser at each AMI (re)sync (Asterisk restarted: `persistentmembers = no`, the members come back from
PostgreSQL) and when LISTEN connects again (notifications may have been missed), and every `interval` seconds.
With PostgreSQL or AMI away a round does nothing (no desired state read: no member touched); the next one after
they are back catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence

from acd.ami.events import AmiEvent
from allo.agents import presence
from allo.agents.operations import AgentOperations
from allo.agents.reconciler import Step, plan
from allo.agents.steps import carry_out
from allo.db.listen import PgListener
from allo.metrics import Metrics
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class AgentReconciler:
    def __init__(self, agents: AgentOperations, dsn: str, metrics: Metrics, *, interval: float,
                 read_timeout: float = 5.0, endpoints: Callable[[], Awaitable[bool]] | None = None) -> None:
        self._agents, self._metrics = agents, metrics
        # In a cluster: this node's agents' endpoints follow PostgreSQL (an agent created on the other node).
        self._endpoints = endpoints
        self._interval, self._read_timeout = interval, read_timeout
        self._pending: set[str] = set()
        self._everyone = True  # the first round looks at every adviser
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener = PgListener(dsn, presence.CHANNEL, self._notified, name="advisers'",
                                    on_connected=self._caught_up)
        self.rounds = 0

    @property
    def listening(self) -> bool:
        return self._listener.listening

    # -- triggers ---------------------------------------------------------------------------------------------

    def on_resync(self, _snapshot: Sequence[AmiEvent]) -> None:
        self.wake()

    def wake(self, usernames: Collection[str] | None = None) -> None:
        if usernames is None:
            self._everyone = True
        else:
            self._pending.update(usernames)
        self._wake.set()

    def _notified(self, payload: str) -> None:
        self.wake([payload])

    # -- a round ----------------------------------------------------------------------------------------------

    async def reconcile(self, usernames: Collection[str] | None = None) -> int:
        """One round for `usernames` (every managed adviser when None); the number of AMI actions done."""
        agents = self._agents
        if not agents.ami.connected:
            self._metrics.agent_reconcile_runs.labels("skipped").inc()
            return 0
        if self._endpoints is not None:
            try:
                async with asyncio.timeout(self._read_timeout):
                    if await self._endpoints():
                        log.info("reconciler: agents' endpoints rewritten from PostgreSQL")
            except Exception as exc:  # the members below do not depend on it; the next round tries again
                log.warning("reconciler: agents' endpoints not refreshed (%s)", type(exc).__name__)
        async with agents.changing:
            try:
                async with asyncio.timeout(self._read_timeout):
                    desired = await presence.desired_states(agents.engine, usernames)
            except Exception as exc:  # PostgreSQL away: touch nothing, the next round catches up
                log.warning("reconciler: desired state not read (%s): nothing changed", type(exc).__name__)
                self._metrics.agent_reconcile_runs.labels("skipped").inc()
                return 0
            done = 0
            for action in plan(desired, agents.live.queues):
                outcome = "done"
                try:
                    await carry_out(agents.ami, action)
                    done += 1
                except Exception as exc:  # refused or AMI lost: the next round tries again
                    outcome = "refused"
                    log.warning("reconciler: %s of %s in %s not done: %s", action.step.value, action.agent,
                                action.queue, exc)
                self._metrics.agent_reconcile_steps.labels(action.step.value, outcome).inc()
                if action.step is Step.ADD and outcome == "done":
                    log.info("reconciler: %s added to %s (its desired state)", action.agent, action.queue)
        self.rounds += 1
        self._metrics.agent_reconcile_runs.labels("applied").inc()
        return done

    async def _work_forever(self) -> None:
        loop = asyncio.get_running_loop()
        last_full = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, last_full + self._interval - loop.time())):
                    await self._wake.wait()
            self._wake.clear()
            everyone = self._everyone or loop.time() >= last_full + self._interval
            names, self._everyone, self._pending = set(self._pending), False, set()
            if everyone:
                last_full = loop.time()
            elif not names:
                continue
            try:
                await self.reconcile(None if everyone else names)
            except Exception:  # never let the loop die: the next round tries again
                log.exception("reconciler round failed")

    # -- LISTEN allo_agents (allo/db/listen.py) --------------------------------------------------------------

    async def _caught_up(self) -> None:
        self.wake()  # changes made while we were not listening

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listener.run(), name="agents-listen"),
                       asyncio.create_task(self._work_forever(), name="agents-reconcile")]

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []
