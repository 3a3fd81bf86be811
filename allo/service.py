"""The running service: FastAGI server, AMI client, live state and call records, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from acd.ami.client import AmiClient
from acd.ami.events import SUBSCRIBED_EVENTS, AmiEvent
from acd.live.calls import ActiveCalls
from acd.live.state import LiveState, system_clock
from agi.server import AgiServer
from allo.agents.admin import follow_agents
from allo.agents.operations import AgentOperations
from allo.agents.reconcile_task import AgentReconciler
from allo.auth.ratelimit import LoginLimiter
from allo.auth.store import AuthStore
from allo.callbacks.service import CallbackService
from allo.cluster.parts import ClusterParts
from allo.cluster.preferred import PreferredNode
from allo.code_guard.ledger import CodeLedger, code_limits
from allo.confirmations.worker import ConfirmationWorker
from allo.dashboard.day_worker import DayCounter
from allo.dashboard.feed import DashboardFeed
from allo.dashboard.node_sync import NodeLiveSync
from allo.dashboard.view import Alerts
from allo.db.engine import make_engine
from allo.desk.context import CallContext
from allo.desk.help import HelpDesk
from allo.desk.hub import DeskHub
from allo.desk.node_relay import DeskRelay
from allo.desk.reason_cache import ReasonLabels
from allo.desk.wrapup import WrapupManager
from allo.fallback.hours import spoken_reopening
from allo.fallback.sync import FallbackHours
from allo.fastagi.agent import AgentCodeHandler
from allo.fastagi.ivr import IvrHandler
from allo.fastagi.queue_exit import QueueExitHandler
from allo.fastagi.survey import SurveyHandler
from allo.fastagi.timings import TimedObserver, TimingsSink, timed_decide
from allo.fastagi.transfer import TransferArrival
from allo.metrics import Metrics
from allo.planning.best_hours import BestHours
from allo.planning.fold_task import SummaryFold
from allo.planning.planner import Planner, plan_settings
from allo.privacy.pseudonyms import PseudonymKeys, normalise_number
from allo.queues.conf_sync import QueueConfSync
from allo.queues.entry import QueueEntryPlanner
from allo.queues.figures import QueueFigures
from allo.queues.legs import LegTracker
from allo.queues.repeat import WaitRepeater
from allo.records.recorder import CallRecorder
from allo.records.retention_task import FIRST_RUN_DELAY, RetentionTask, policy_of
from allo.records.survey_answers import SurveyAnswersStore
from allo.rules.budget import MenuTiming
from allo.rules.cache import RulesCache
from allo.rules.recording_store import published_uploads
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, locate_asterisk_root, sounds_dir
from allo.setup.prompt_durations import read_durations
from allo.setup.prompts import ensure_prompts
from allo.transfers.sectors import SectorTransfers
from ivr.catalogue import PROMPTS
from routing.decide import decide as routing_decide
from routing.relay import parse_relay_match
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)


class AlloService:
    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.metrics = Metrics()
        # Benchmarks only (docs/benchmarks.md): raw timings of AGI commands, think times and routing decisions.
        self.timings = TimingsSink(settings.timings_file) if settings.timings_file is not None else None
        self.engine = engine or make_engine(settings)
        self.auth = AuthStore(self.engine, session_hours=settings.session_hours, token_hours=settings.token_hours)
        self.login_limiter = LoginLimiter(settings.login_attempts, settings.login_window_seconds)
        self.recorder = CallRecorder(self.engine, self.metrics, timeout=settings.db_write_timeout,
                                     node=settings.node_name or None,
                                     max_pending=settings.db_retry_max_writes)
        self.rules = RulesCache(self.engine, settings.asyncpg_dsn, poll_interval=settings.rules_poll_interval)
        self.rules.add_listener(self._on_rules)
        self.clock = settings.routing_clock()
        self.live = LiveState(system_clock)
        # Queues (docs/queues.md): policies and recent waits, legs, entry (announcement, repeat caller), exit.
        self.queue_figures = QueueFigures(self.engine, settings.queue_figures_interval)
        self.rules.add_listener(self.queue_figures.on_rules)
        self.legs = LegTracker(self.recorder)
        self.ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_username,
                             settings.ami_secret.get_secret_value(), action_timeout=settings.ami_action_timeout,
                             ping_interval=settings.ami_ping_interval, ping_timeout=settings.ami_ping_timeout,
                             backoff_max=settings.ami_reconnect_max, events=SUBSCRIBED_EVENTS)
        # Callbacks booked from the menu and the queues; its AMI listeners are added after the live state's below.
        self.callbacks = CallbackService(settings=settings, engine=self.engine, ami=self.ami, live=self.live,
                                         rules=self.rules, metrics=self.metrics, routing_clock=self.clock,
                                         defer_dialling=PreferredNode(
                                             self.engine, settings.node_name, settings.callback_node,
                                             timedelta(seconds=settings.node_lost_seconds)).elsewhere_up)
        # Access codes bounded across calls (docs/hostile-input.md).
        self.code_ledger = CodeLedger(self.engine, code_limits(settings), self.metrics,
                                      lookup_timeout=settings.access_code_lookup_timeout)
        pseudonyms = PseudonymKeys.of(settings.pseudonym_key.get_secret_value(),
                                      settings.pseudonym_keys_previous.get_secret_value())
        # The best hours to call (docs/planning.md): public endpoints, long waits at entry, the closed message.
        self.best_hours, self.queue_entry = self._queue_entry(settings)
        self.ivr = IvrHandler(self.recorder, self.metrics, pseudonyms, self.rules, self.clock, booking=self.callbacks,
                              decide=timed_decide(self.timings) if self.timings is not None else routing_decide,
                              entry=self.queue_entry, best_hours=self.best_hours,
                              no_input_replays=settings.menu_no_input_replays, ledger=self.code_ledger,
                              relay=parse_relay_match(settings.relay_match, normalise_number),
                              relay_input_ms=round(settings.relay_input_timeout_seconds * 1000),
                              relay_priority=settings.relay_queue_priority)
        self.queue_exit = QueueExitHandler(self.queue_figures, self.legs, self.recorder, pseudonyms, self.callbacks,
                                           relay_input_ms=round(settings.relay_input_timeout_seconds * 1000))
        root = locate_asterisk_root(settings)
        self._sounds_dir = sounds_dir(root) if root is not None else None
        # Where agents' endpoints are published (None when Asterisk is not on this machine).
        self.asterisk = AsteriskInstance(root, settings.asterisk_instance) if root is not None else None
        self._prompt_jobs: set[asyncio.Task[int]] = set()
        # Published service levels and announce frequencies reach Asterisk's queues.conf (docs/rules-editor.md).
        self.queue_conf = QueueConfSync(self.engine, self.ami, self.asterisk)
        self.rules.add_listener(self.queue_conf.on_rules)
        self.ami.add_resync_listener(self.queue_conf.on_resync)
        # The opening hours the dialplan keeps for when this service cannot be reached (docs/degraded-mode.md).
        self.fallback_hours = FallbackHours(self.ami, self.asterisk, spoken_reopening,
                                            days=settings.fallback_hours_days,
                                            refresh_s=settings.fallback_refresh_minutes * 60)
        self.rules.add_listener(self.fallback_hours.on_rules)
        self.ami.add_resync_listener(self.fallback_hours.on_resync)
        self.agent_ops, self.agent_reconciler, self.agent_codes = self._advisers(settings)
        self.active_calls = ActiveCalls()
        self.transfers = SectorTransfers(rules=self.rules, clock=self.clock, live=self.live,
                                         active_calls=self.active_calls, ami=self.ami, recorder=self.recorder)
        self.transfer_arrival = TransferArrival(self.transfers.arrival_queue, self.recorder,
                                                self.queue_entry.wait_speech)
        self.survey = SurveyHandler(SurveyAnswersStore(self.engine), self.rules, self.metrics,
                                    timeout_ms=round(settings.survey_input_seconds * 1000))
        self.agi = AgiServer({"ivr": self.ivr.handle, "agent": self.agent_codes.handle,
                              "transfer": self.transfer_arrival.handle, "queue-exit": self.queue_exit.handle,
                              "survey": self.survey.handle},
                             settings.agi_host, settings.agi_port,
                             observer=TimedObserver(self.metrics, self.timings) if self.timings else self.metrics)
        self.ami.add_listener(self._on_ami_event)
        self.ami.add_resync_listener(self._on_resync)
        # After the live state: callbacks read it to place each callback at its original arrival.
        self.callbacks.scheduler.on_queued = lambda _attempt, uniqueid: self.recorder.submit(
            uniqueid, {"dialled": "callback"})
        # The supervisor dashboard's live feed (docs/dashboard.md): after the live state it reads.
        self.day_counter, self.planner, self.dashboard = self._dashboard(settings)
        # The advisers' desks (docs/desk.md): each adviser's state, screen-pops and call ends, after the live state.
        self.reason_labels, self.call_context, self.desk = self._desk(settings)
        # Position and estimate repeated into waiting callers' channels (docs/queues.md): reads the live state.
        self.wait_repeat = WaitRepeater(self.ami, self.live, self.queue_figures, self.metrics)
        # After the live state, in this order: callbacks, dashboard, repeated announcements, desks.
        for part in (self.callbacks, self.dashboard, self.wait_repeat, self.desk):
            self.ami.add_listener(part.on_event)
            self.ami.add_resync_listener(part.on_resync)
        # The wrap-up after a call (docs/desk.md): a pause allo lifts; after the live state it reads.
        self.wrapups = self._listening(WrapupManager(self.engine, self.ami, self.live, self.queue_figures.wrapup_time,
                                                     self.metrics))
        # Retention (docs/privacy.md): old journeys erased daily, in the background.
        self.retention = self._retention_task()
        # Written confirmations (docs/after-call.md): the outbox's sender, one process across the cluster.
        self.confirmations = ConfirmationWorker(self.engine, settings, self.metrics)
        # Planning (docs/planning.md): the half-hour summary folded as calls close, one process across the cluster.
        self.planning_fold = SummaryFold(self.engine, settings.planning_fold_interval, self.metrics)
        # Two nodes (docs/scaling.md): heartbeat, calls cut by a node loss or an Asterisk restart; none on one node.
        self.cluster = ClusterParts(settings, self.engine, self.ami, self.metrics) if settings.node_name else None

    async def _follow_agents(self) -> bool:
        return await follow_agents(self.engine, self.ami, self.asterisk, self.settings.sip_proxy)

    def _advisers(self, settings: Settings) -> tuple[AgentOperations, AgentReconciler, AgentCodeHandler]:
        """Advisers' actions (API, desk, supervisor, feature codes) write the desired state (PostgreSQL, the truth)
        and apply it here; the reconciler applies every node's actions to this node's Asterisk, at once after each
        AMI resync (its round runs after the live state has resynced: it only wakes up here) (docs/agents.md)."""
        agents = AgentOperations(self.engine, self.ami, self.live, node=settings.node_name or None,
                                 db_timeout=max(settings.db_write_timeout, 2.0))
        reconciler = AgentReconciler(agents, settings.asyncpg_dsn, self.metrics,
                                     interval=settings.agent_reconcile_seconds,
                                     endpoints=self._follow_agents if settings.node_name else None)
        self.ami.add_resync_listener(reconciler.on_resync)
        return agents, reconciler, AgentCodeHandler(agents)

    def _dashboard(self, settings: Settings) -> tuple[DayCounter, Planner, DashboardFeed]:
        counter = DayCounter(settings.sqlalchemy_url, lost_after=settings.node_lost_seconds)
        # The week plan (docs/planning.md): pages and API on request, this week's kept for the dashboard.
        planner = Planner(self.engine, lambda: self.rules.snapshot, self.clock, plan_settings(settings),
                          refresh_s=settings.planning_plan_refresh_seconds)
        # Several nodes: this node's live queues to node_live, the others' merged into the dashboard.
        self.node_live = NodeLiveSync(self.engine, settings.node_name, self.live, self.active_calls.calls,
                                      lambda: self.ami.connected, metrics=self.metrics, tick=settings.node_live_seconds,
                                      fresh_seconds=settings.node_live_fresh_seconds) if settings.node_name else None
        feed = DashboardFeed(self.live, self.active_calls, self.engine, lambda: self.ami.connected, load=counter,
                             at_risk=lambda: self.callbacks.scheduler.at_risk, alerts=self._alerts,
                             needed=planner.needed_now, nodes=self.node_live)
        return counter, planner, feed

    def _retention_task(self) -> RetentionTask:
        interval = self.settings.retention_interval_hours * 3600
        return RetentionTask(self.engine, policy_of(self.settings, self.asterisk), interval,
                             first_delay=min(FIRST_RUN_DELAY, interval))

    def _listening(self, part: WrapupManager) -> WrapupManager:
        """`part` hears every AMI event and resync, after the live state it reads."""
        self.ami.add_listener(part.on_event)
        self.ami.add_resync_listener(part.on_resync)
        return part

    def _desk(self, settings: Settings) -> tuple[ReasonLabels, CallContext, DeskHub]:
        labels = ReasonLabels(self.engine)
        context = CallContext(self.engine, self.recorder, self._sector_of_queue,
                              repeat_days=settings.repeat_caller_days)
        # Several nodes: the desk events of this node told to the others, theirs handed to this node's hub.
        self.desk_relay = DeskRelay(self.engine, settings.asyncpg_dsn, settings.node_name, self.metrics) \
            if settings.node_name else None
        hub = DeskHub(self.live, labels.label, context, self.metrics, node=settings.node_name,
                      publish=self.desk_relay.publish if self.desk_relay is not None else None)
        if self.desk_relay is not None:
            self.desk_relay.deliver = hub.on_node_event
        if self.node_live is not None:  # a node gone silent never says its calls ended: the desks end them
            self.node_live.on_stale = hub.nodes_lost
        return labels, context, hub

    def _sector_of_queue(self, queue: str) -> str | None:
        snapshot = self.rules.snapshot
        return snapshot.sector_of_queue(queue) if snapshot is not None else None

    def help_desk(self) -> HelpDesk:
        """Supervisor-help requests (docs/desk.md): the dashboard re-reads the open ones after each change."""
        return HelpDesk(self.engine, self.metrics.help_requests_open, self.dashboard.refresh_help)

    def _alerts(self) -> Alerts:
        surge = self.code_ledger.surge
        return Alerts(access_code_surge=surge.active, wrong_codes_last_minute=surge.recent())

    def _on_ami_event(self, event: AmiEvent) -> None:
        self.metrics.ami_events.labels(type(event).__name__).inc()
        self.live.apply(event)
        self.active_calls.apply(event, time.time())
        self.recorder.on_event(event)
        self.legs.on_event(event)

    def _on_resync(self, snapshot: Sequence[AmiEvent]) -> None:
        self.live.resync(snapshot)
        self.metrics.ami_connected.set(1)

    def _on_rules(self, snapshot: RulesSnapshot) -> None:
        self.metrics.rules_version.set(snapshot.version)
        if self._sounds_dir is None:
            return
        # A prompt added, reworded or recorded by ops gets its sound file without a restart.
        job = asyncio.create_task(self._make_prompts(dict(snapshot.prompts), self._sounds_dir))
        self._prompt_jobs.add(job)
        job.add_done_callback(self._prompt_job_done)

    async def _make_prompts(self, prompts: dict[str, str], sounds_dir: Path) -> int:
        """Without the list of published recordings nothing is made: a recording must not become TTS again."""
        async with asyncio.timeout(10), AsyncSession(self.engine) as session:
            uploads = await published_uploads(session)
        return await asyncio.to_thread(ensure_prompts, prompts, sounds_dir, uploads=uploads)

    def _prompt_job_done(self, job: asyncio.Task[int]) -> None:
        self._prompt_jobs.discard(job)
        if not job.cancelled() and job.exception() is not None:
            log.warning("prompt generation failed: %s", job.exception())

    async def start(self) -> None:
        if self.timings is not None:
            await self.timings.start()
        await self.rules.start()
        await self.queue_figures.start()
        await self.agi.start()
        await self.ami.start()
        await self.callbacks.start()
        await self.wrapups.start()
        await self.agent_reconciler.start()
        await self.wait_repeat.start()
        await self.dashboard.start()
        if self.node_live is not None:
            await self.node_live.start()
        await self.planner.start()
        await self.reason_labels.start()
        await self.desk.start()
        if self.desk_relay is not None:
            await self.desk_relay.start()
        await self.retention.start()
        await self.confirmations.start()
        await self.planning_fold.start()
        if self.cluster is not None:
            await self.cluster.start()
        await self.fallback_hours.start()
        if self.settings.node_name:  # several nodes: the wrong-code surge counts every node's codes
            self.code_ledger.share(self.settings.surge_poll_seconds)
        self.best_hours.current()  # the first best hours, computed in the background (callers never wait for it)
        await self.help_desk().changed()  # the gauge of open help requests, from what the last run left
        log.info("FastAGI on %s:%s, AMI client towards %s:%s", self.settings.agi_host, self.agi.port,
                 self.settings.ami_host, self.settings.ami_port)

    def _queue_entry(self, settings: Settings) -> tuple[BestHours, QueueEntryPlanner]:
        best_hours = BestHours(self.engine, self.rules, self.clock, count=settings.best_hours_count,
                               weeks=settings.planning_weeks, decay=settings.planning_decay,
                               cache_seconds=settings.best_hours_cache_seconds, metrics=self.metrics)
        entry = QueueEntryPlanner(self.engine, self.live, self.queue_figures, settings.repeat_caller_days,
                                  best_hours=self._best_hours_of_queue,
                                  best_hours_threshold_s=settings.best_hours_wait_threshold_s)
        return best_hours, entry

    def _best_hours_of_queue(self, queue: str) -> list[str]:
        """The best hours' prompts for `queue` at hand (none before the first report is computed)."""
        report = self.best_hours.current()
        return report.for_queue(queue) if report is not None else []

    async def stop(self) -> None:
        """Drain FastAGI sessions first (calls in the menu finish), then the rest."""
        if self.cluster is not None:
            await self.cluster.stop()
        await self.retention.stop()
        await self.confirmations.stop()
        await self.planner.stop()
        await self.planning_fold.stop()
        await self.dashboard.stop()  # ends the open SSE streams, so the HTTP server can stop
        if self.node_live is not None:
            await self.node_live.stop()  # its row removed: the other nodes stop showing this node's queues
        if self.desk_relay is not None:
            await self.desk_relay.stop()
        await self.desk.stop()  # the same for the desks' streams
        await self.reason_labels.stop()
        self.day_counter.close()
        await self.agi.stop(self.settings.agi_drain_timeout)
        await self.rules.stop()
        await self.queue_conf.stop()
        await self.fallback_hours.stop()
        await self.best_hours.close()
        await self.queue_figures.stop()
        await self.callbacks.stop()
        await self.wait_repeat.stop()
        await self.wrapups.stop()
        await self.agent_reconciler.stop()
        await self.ami.stop()
        await self.recorder.drain()
        await self.code_ledger.stop()  # wrong codes in flight reach the ledger
        await self.engine.dispose()
        if self.timings is not None:
            await self.timings.stop()

    async def menu_timing(self) -> MenuTiming:
        """The main path's budget and replays (settings) and how long each prompt plays (its sound file, read now:
        the catalogue's and the live rules' prompts; a draft's new prompt has no file yet and is estimated)."""
        snapshot = self.rules.snapshot
        names = {*PROMPTS, *(snapshot.prompts if snapshot is not None else ())}
        durations = await asyncio.to_thread(read_durations, self._sounds_dir, names)
        return MenuTiming(self.settings.menu_budget_seconds, self.settings.menu_no_input_replays, durations)

    async def database_up(self, timeout: float = 1.0) -> bool:
        try:
            async with asyncio.timeout(timeout):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception:  # any failure means "down" for the health check
            return False
        return True

    async def health(self) -> dict[str, str]:
        self.metrics.ami_connected.set(1 if self.ami.connected else 0)
        return {
            "database": "up" if await self.database_up() else "down",
            "ami": "up" if self.ami.connected else "down",
            "fastagi": "up" if self.agi.accepting else "down",
            "rules": f"v{self.rules.version}" if self.rules.snapshot else "none",
        }
