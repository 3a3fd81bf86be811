"""The callback scheduler: one task that reconciles open attempts with Asterisk, then claims and originates
what is due. AstDB is the source of truth for what happened in Asterisk; UserEvents only wake the task up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed, AmiError
from acd.ami.event_types import AmiEvent, QueueCallerJoin, UnknownEvent
from acd.ami.fields import Fields
from acd.callbacks.policy import RISEN_PRIORITY, Waiting, deferred_until, must_rise, queue_position, to_rise
from acd.callbacks.progress import AttemptEnd, Next, Progress, Stage, Step, Verdict, parse_progress, reconcile
from acd.live.state import LiveState
from allo.callbacks.asterisk import USER_EVENT, CallbackAsterisk, Origination, dial_string
from allo.callbacks.dialler import CallbackDialler
from allo.callbacks.hours import opening
from allo.callbacks.metrics import CallbackMetrics
from allo.callbacks.store import CallbackStore, Claimed, OpenAttempt
from allo.rules.cache import RulesCache
from allo.settings import Settings
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

JOIN_WAIT = 3.0  # seconds: the next callback of a queue is placed once the previous one has joined it
CLOSED_RECHECK = timedelta(hours=1)  # closed with no known opening: look again later


class CallbackScheduler:
    def __init__(self, *, settings: Settings, store: CallbackStore, ami: AmiClient, live: LiveState,
                 rules: RulesCache, metrics: CallbackMetrics, clock: Callable[[], datetime],
                 routing_clock: Callable[[], datetime], dialler: CallbackDialler | None = None) -> None:
        self._settings = settings
        self._dialler = dialler  # None: this process always dials (a single process, tests)
        self._store = store
        self._ami = ami
        self._asterisk = CallbackAsterisk(ami)
        self._live = live
        self._rules = rules
        self._metrics = metrics
        self._clock = clock
        self._routing_clock = routing_clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._check_channels = True  # after (re)connecting: attempts Asterisk lost are closed
        self._in_flight: set[int] = set()
        self._arrival: dict[int, float] = {}  # attempt -> original arrival (epoch), to place later callbacks
        self._leg: dict[str, int] = {}  # unique id of the half waiting in the queue -> attempt
        self._joins: dict[int, asyncio.Future[None]] = {}
        self.on_queued: Callable[[int, str], None] = lambda _attempt, _uniqueid: None
        self.at_risk: list[tuple[str, datetime]] = []  # (queue, due_by) as of the last round, for the dashboard

    # -- wiring -------------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def on_event(self, event: AmiEvent) -> None:
        if isinstance(event, QueueCallerJoin) and event.uniqueid in self._leg:
            waiter = self._joins.get(self._leg[event.uniqueid])
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif isinstance(event, UnknownEvent) and event.name.lower() == "userevent":
            view = Fields(event.fields)
            digits = view.text("Attempt")
            if view.text("UserEvent") != USER_EVENT or not (digits.isascii() and digits.isdigit()):
                return
            attempt = int(digits)
            if view.text("State") == "queued":
                self._leg[view.text("Uniqueid")] = attempt
                self.on_queued(attempt, view.text("Uniqueid"))
            self.wake()

    def on_resync(self, _snapshot: object) -> None:
        self._check_channels = True
        self.wake()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="callback-scheduler")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._dialler is not None:
            await self._dialler.release()

    # -- the loop -----------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.callback_poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            if self._dialler is not None:
                dials, took_over = await self._dialler.turn()
                if not dials:
                    continue
                if took_over:  # attempts another node dialled: reconciled against AstDB and channels first
                    self._check_channels = True
            if not self._ami.connected:
                continue
            try:
                await self.run_once()
            except Exception as exc:  # database or AMI away: the next round tries again
                log.warning("callback round failed: %s: %s", type(exc).__name__, exc)

    @property
    def _lead(self) -> timedelta:
        return timedelta(minutes=self._settings.callback_rise_lead_minutes)

    async def run_once(self) -> None:
        await self._sweep()
        for claimed in await self._store.claim_due(self._clock(), self._defer):
            await self._originate(claimed)
        self.at_risk = await self._store.at_risk(self._clock(), self._lead)
        self._metrics.at_risk.set(len(self.at_risk))

    def _defer(self, queue: str) -> datetime | None:
        routing_now = self._routing_clock()
        state = opening(self._rules.snapshot, queue, routing_now)
        if state.is_open:
            return None
        return deferred_until(self._clock(), routing_now, state.next_open, CLOSED_RECHECK)

    # -- reconciliation -----------------------------------------------------------------------

    async def _sweep(self) -> None:
        check = self._check_channels
        # Channels first, states second: a channel gone before the listing has written its final state.
        legs = await self._asterisk.live_legs() if check else None
        if legs is not None:
            self._leg.update({uniqueid: attempt for attempt, uniqueid in legs.items()})
        states = await self._asterisk.states()
        rows = await self._store.open_attempts()
        now = self._clock()
        grace = self._settings.callback_grace_seconds
        waiting: list[Waiting] = []
        for row in rows:
            self._arrival[row.attempt_id] = row.original_arrival.timestamp()
            raw = states.get(row.attempt_id)
            progress = None if raw is None else parse_progress(raw)
            age = (now - row.moved_at).total_seconds()
            alive = None if legs is None or age < grace else row.attempt_id in legs
            verdict = reconcile(row.stage, progress, age=age, grace=grace,
                                in_flight=row.attempt_id in self._in_flight, alive=alive)
            if progress is not None and progress.rang_at is not None and not row.ringing:
                await self._ring(row.attempt_id, _at(progress.rang_at))
            await self._apply(row, verdict, now, progress)
            if (progress is not None and progress.stage is Stage.QUEUED and verdict.step is not Step.CLOSE
                    and row.due_by is not None and row.attempt_id not in self._in_flight):
                waiting.append(Waiting(row.attempt_id, row.due_by, row.risen))
        await self._rise(waiting, {row.attempt_id: row for row in rows}, now)
        open_ids = {row.attempt_id for row in rows}
        ended = [a for a, raw in states.items() if a not in open_ids and parse_progress(raw).stage is Stage.ENDED]
        for attempt in await self._store.closed_before(ended, now - timedelta(seconds=grace)):
            await self._asterisk.forget(attempt)
            self._arrival.pop(attempt, None)
        if check:
            self._check_channels = False

    async def _ring(self, attempt_id: int, at: datetime) -> None:
        ring = await self._store.mark_ringing(attempt_id, at)
        if ring is not None:
            self._metrics.rang.labels("yes" if ring.on_time else "no").inc()
            log.info("callback attempt %s: the citizen's phone first rang %.0f s %s the deadline", attempt_id,
                     abs((ring.due_by - at).total_seconds()), "before" if ring.on_time else "after")

    async def _rise(self, waiting: list[Waiting], rows: dict[int, OpenAttempt], now: datetime) -> None:
        due = to_rise(waiting, now, self._lead)
        if not due:
            return
        for attempt in await self._asterisk.rise(due, {a: rows[a].queue for a in due}, RISEN_PRIORITY):
            row = rows[attempt]
            await self._store.mark_risen(row.callback_id, now)
            self._metrics.risen.inc()
            left = (row.due_by - now).total_seconds() if row.due_by is not None else 0.0
            log.info("callback attempt %s rose ahead of new arrivals in %s (due in %.0f s)", attempt, row.queue, left)

    async def _apply(self, row: OpenAttempt, verdict: Verdict, now: datetime,
                     progress: Progress | None = None) -> None:
        if verdict.step is Step.MARK_ORIGINATED:
            await self._store.mark_originated(row.attempt_id, now)
        elif verdict.step is Step.MARK_RESERVED:
            await self._store.mark_reserved(row.attempt_id, verdict.agent, now)
        elif verdict.step is Step.ORIGINATE:
            claimed = await self._store.reclaim(row.attempt_id, now)
            if claimed is not None:
                log.info("callback attempt %s never reached Asterisk: originating it", row.attempt_id)
                await self._originate(claimed)
        elif verdict.step is Step.CLOSE and verdict.end is not None:
            reached = None if progress is None or progress.reached_at is None else _at(progress.reached_at)
            await self._close(row.attempt_id, verdict.end, verdict.detail, verdict.agent, reached=reached,
                              due_by=row.due_by)

    async def _close(self, attempt_id: int, end: AttemptEnd, detail: str, agent: str | None, *,
                     reached: datetime | None = None, due_by: datetime | None = None) -> None:
        now = self._clock()
        following = await self._store.close_attempt(
            attempt_id, end, detail, now, agent=agent,
            retry=timedelta(minutes=self._settings.callback_retry_minutes),
            max_attempts=self._settings.callback_max_attempts, reached_at=reached)
        self._metrics.attempts.labels(end.value).inc()
        if following is Next.DONE or following is Next.FAILED:
            self._metrics.closed.labels(following.value).inc()
        if following is Next.DONE and due_by is not None:
            self._metrics.reached.labels("yes" if (reached or now) <= due_by else "no").inc()
        log.info("callback attempt %s ended: %s (%s), next: %s", attempt_id, end.value, detail,
                 following.value if following else "-")

    # -- origination --------------------------------------------------------------------------

    def _position(self, queue: str, original_arrival: datetime) -> int:
        live = self._live.queues.get(queue)
        waiting = live.ordered_waiting() if live is not None else []
        arrivals = [self._arrival.get(self._leg.get(caller.uniqueid, -1), caller.joined_wall) for caller in waiting]
        position = queue_position(arrivals, original_arrival.timestamp())
        log.info("callback for %s arrived at %s joins at position %s (%s waiting)", queue,
                 original_arrival.isoformat(timespec="seconds"), position, len(arrivals))
        return position

    def _surveyed(self, attempt: int) -> bool:
        """The callback's own call id is only made by Asterisk once the Originate runs: the attempt stands for it
        (deterministic all the same: the same attempt gets the same answer on any node)."""
        snapshot = self._rules.snapshot
        return snapshot is not None and snapshot.survey.surveys(f"callback-attempt-{attempt}")

    async def _originate(self, claimed: Claimed) -> None:
        attempt = claimed.attempt_id
        self._in_flight.add(attempt)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._joins[attempt] = waiter
        try:
            self._arrival[attempt] = claimed.original_arrival.timestamp()
            rise = not claimed.risen and must_rise(self._clock(), claimed.due_by, self._lead)
            plan = Origination(attempt, claimed.queue, self._position(claimed.queue, claimed.original_arrival),
                               dial_string(self._settings.callback_dial, claimed.phone),
                               self._settings.callback_ring_seconds, self._settings.callback_agent_wait_seconds,
                               RISEN_PRIORITY if claimed.risen or rise else 0, self._surveyed(attempt))
            try:
                await self._asterisk.originate(plan)
            except AmiActionFailed as exc:
                await self._close(attempt, AttemptEnd.FAILED, f"originate refused: {exc.response.message}"[:80],
                                  None)
                return
            except AmiError as exc:  # unknown whether it reached Asterisk: reconciled after the grace delay
                log.warning("callback attempt %s: Originate unconfirmed (%s)", attempt, type(exc).__name__)
                return
            now = self._clock()
            await self._store.mark_originated(attempt, now)
            if rise:
                await self._store.mark_risen(claimed.callback_id, now)
                self._metrics.risen.inc()
                log.info("callback attempt %s joins %s already risen ahead of new arrivals", attempt, claimed.queue)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(JOIN_WAIT):
                    await waiter
        finally:
            self._in_flight.discard(attempt)
            self._joins.pop(attempt, None)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
