"""The live feed: one dashboard document pushed to every open page when AMI changes the live state.

An AMI event only sets a flag; a single publisher task waits `debounce` seconds to coalesce a burst, builds the
document once and hands it to every subscriber (each keeps only the latest one, so a slow page never holds the
others back). Without events it republishes every `tick` seconds so durations move. Today's figures come from
PostgreSQL every `refresh_interval` seconds while a page is open, read by one background task for all pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.ami.event_types import AmiEvent, UnknownEvent
from acd.live.calls import ActiveCalls
from acd.live.state import LiveState, system_clock
from allo.dashboard.help import HelpItem, read_open_help
from allo.dashboard.node_live import merge_live
from allo.dashboard.node_sync import NodeLiveSync
from allo.dashboard.today import load_day
from allo.dashboard.view import Alerts, ClusterView, DayData, dashboard_view
from allo.planning.planner import NeededNow
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

DayLoader = Callable[[AsyncEngine, datetime], Awaitable[DayData]]
HelpReader = Callable[[AsyncEngine], Awaitable[tuple[HelpItem, ...]]]
_CLOSED = ""  # sentinel: the feed stopped, the stream must end


class Subscription:
    def __init__(self) -> None:
        self._latest: asyncio.Queue[str] = asyncio.Queue(maxsize=1)

    def offer(self, document: str) -> None:
        if self._latest.full():
            self._latest.get_nowait()
        self._latest.put_nowait(document)

    async def next(self) -> str | None:
        """The latest document not yet taken; None once the feed has stopped."""
        document = await self._latest.get()
        return None if document == _CLOSED else document


class DashboardFeed:
    def __init__(self, live: LiveState, active_calls: ActiveCalls, engine: AsyncEngine,
                 ami_up: Callable[[], bool], *, refresh_interval: float = 3.0, debounce: float = 0.05,
                 tick: float = 1.0, load: DayLoader = load_day,
                 at_risk: Callable[[], Sequence[tuple[str, datetime]]] = lambda: (),
                 alerts: Callable[[], Alerts] = Alerts, read_help: HelpReader = read_open_help,
                 needed: Callable[[], Mapping[str, NeededNow]] = dict, nodes: NodeLiveSync | None = None) -> None:
        self._nodes = nodes  # several nodes: their live views merged with this one's (docs/dashboard.md)
        self._needed = needed
        self._load = load
        self._read_help = read_help
        self._at_risk = at_risk
        self._alerts = alerts
        self._live = live
        self._calls = active_calls
        self._engine = engine
        self._ami_up = ami_up
        self.refresh_interval = refresh_interval
        self.debounce = debounce
        self.tick = tick
        self.day = DayData()
        self._help_reads = 0  # refresh_help calls: a day counted meanwhile has older help requests
        self._subscribers: set[Subscription] = set()
        self._changed: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- inputs ----------------------------------------------------------------------------------
    def on_event(self, event: AmiEvent) -> None:
        if not isinstance(event, UnknownEvent) and self._changed is not None:
            self._changed.set()

    def on_resync(self, _snapshot: Sequence[AmiEvent]) -> None:
        if self._changed is not None:
            self._changed.set()

    # -- outputs ---------------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        now = system_clock()
        if self._nodes is None:
            return dashboard_view(self._live, self._calls.calls(), self.day, now, ami_up=self._ami_up(),
                                  at_risk=self._at_risk(), alerts=self._alerts(), needed=self._needed())
        merged = merge_live(self._nodes.node, self._live, self._calls.calls(), self._nodes.remotes(), now,
                            ami_up=self._ami_up(), fresh_seconds=self._nodes.fresh_seconds)
        cluster = ClusterView(merged.caller_node, [n.document() for n in merged.nodes])
        return dashboard_view(merged, merged.calls, self.day, now, ami_up=self._ami_up(), at_risk=self._at_risk(),
                              alerts=self._alerts(), needed=self._needed(), cluster=cluster)

    def encoded(self) -> str:
        return json.dumps(self.document(), separators=(",", ":"))

    @contextlib.asynccontextmanager
    async def subscription(self) -> AsyncIterator[Subscription]:
        subscription = Subscription()
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    # -- tasks -----------------------------------------------------------------------------------
    async def refresh(self) -> None:
        help_read = self._help_reads
        try:
            day = await self._load(self._engine, datetime.now(UTC))
            # Help requests re-read while the day was counted are newer than the day's: keep them.
            self.day = day if help_read == self._help_reads else replace(day, help=self.day.help)
        except Exception as exc:  # PostgreSQL away: keep the last figures, say they are stale
            log.warning("dashboard figures not refreshed: %s", exc)
            self.day = replace(self.day, error="database unreachable; figures may be stale")
        if self._changed is not None:
            self._changed.set()

    async def refresh_help(self) -> None:
        """Re-read the open help requests alone (cheap), right after one is asked or answered."""
        items = await self._read_help(self._engine)
        self._help_reads += 1
        self.day = replace(self.day, help=items)
        if self._changed is not None:
            self._changed.set()

    async def start(self) -> None:
        self._changed = asyncio.Event()
        self._tasks = [asyncio.create_task(self._publish_loop(), name="dashboard-publish"),
                       asyncio.create_task(self._refresh_loop(), name="dashboard-refresh")]

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []
        for subscription in list(self._subscribers):
            subscription.offer(_CLOSED)

    @property
    def stale(self) -> bool:
        """Today's figures are older than `refresh_interval` (or were never read)."""
        refreshed = self.day.refreshed_at
        return refreshed is None or time.time() - refreshed > self.refresh_interval

    async def _refresh_loop(self) -> None:
        # Only while a page is open: reading today's figures costs O(calls today) (the bench's tens of thousands of
        # calls made it 20 % of the service's CPU); /api/dashboard and a new stream refresh stale figures themselves.
        while True:
            if self._subscribers:
                await self.refresh()
            await asyncio.sleep(self.refresh_interval)

    async def _publish_loop(self) -> None:
        assert self._changed is not None
        while True:
            try:
                await asyncio.wait_for(self._changed.wait(), self.tick)
                await asyncio.sleep(self.debounce)  # let the rest of a burst of events arrive
            except TimeoutError:
                pass
            self._changed.clear()
            if self._subscribers:
                started = time.perf_counter()
                document = self.encoded()
                for subscription in self._subscribers:
                    subscription.offer(document)
                log.debug("dashboard published to %d in %.1f ms", len(self._subscribers),
                          (time.perf_counter() - started) * 1000)
