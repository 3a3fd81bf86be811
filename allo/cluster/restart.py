"""Calls a restarted Asterisk no longer has (docs/scaling.md § Node liveness): at every AMI (re)connection, this
node's open calls that started before its Asterisk's start-up cannot live on it, so they are closed as cut by a
node loss. A mere reconnection to the same Asterisk process closes nothing: every call it holds started after it
booted. Asterisk gives its start-up time (CoreStatus) in its local time, to the second, on this machine's clock.

The other way round: calls the sweeper closed because this allo was silent, but that its Asterisk still holds (its
dialplan carries on without allo, docs/degraded-mode.md), are reopened at the reconnection (CoreShowChannels).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.ami.client import AmiClient
from acd.ami.event_types import UnknownEvent
from acd.ami.fields import Fields
from allo.cluster.cut_calls import Cut, cut_calls, log_cut, revive_calls
from allo.metrics import Metrics
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def boot_time(fields: Mapping[str, str]) -> datetime | None:
    """Asterisk's start-up from a CoreStatus response (local time of this machine), None when unreadable."""
    view = Fields(fields)
    raw = f"{view.text('CoreStartupDate')} {view.text('CoreStartupTime')}"
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").astimezone(UTC)
    except ValueError:
        return None


class RestartSweep:
    """Resync listener of this node's AMI; `down_for` says how long ago the AMI was last lost (None: unknown)."""

    def __init__(self, engine: AsyncEngine, ami: AmiClient, node: str, *, down_for: Callable[[], float | None],
                 metrics: Metrics | None = None) -> None:
        self._engine = engine
        self._ami = ami
        self._node = node
        self._down_for = down_for
        self._metrics = metrics
        self._task: asyncio.Task[Cut | None] | None = None
        self.last: Cut | None = None
        self.revived = Cut(0, 0)

    def on_resync(self, _snapshot: object) -> None:
        # Read now, before the AMI's "up since" replaces the moment it was lost.
        ago = self._down_for()
        lost_at = None if ago is None else datetime.now(UTC) - timedelta(seconds=ago)
        self._task = asyncio.create_task(self._check(lost_at), name="asterisk-restart-sweep")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def wait(self) -> Cut | None:
        """The last check's result (tests)."""
        return await self._task if self._task is not None else None

    async def _live_channels(self) -> list[str]:
        events = await self._ami.list_action("CoreShowChannels", None, "CoreShowChannelsComplete")
        return sorted({Fields(e.fields).text("Uniqueid") for e in events
                       if isinstance(e, UnknownEvent) and e.name.lower() == "coreshowchannel"} - {""})

    async def _check(self, lost_at: datetime | None) -> Cut | None:
        try:
            booted = boot_time((await self._ami.action("CoreStatus")).fields)
            if booted is None:
                log.warning("node %s: Asterisk's start-up time unreadable, restart not checked", self._node)
                return None
            at = min(lost_at, booted) if lost_at is not None else booted
            live = await self._live_channels()
            async with self._engine.begin() as conn:
                cut = await cut_calls(conn, self._node, at, started_before=booted)
                self.revived = await revive_calls(conn, self._node, booted, live)
        except Exception as exc:  # AMI or database away: the next reconnection checks again
            log.warning("node %s: restart check failed: %s: %s", self._node, type(exc).__name__, str(exc)[:200])
            return None
        if self.revived.calls:
            log.warning("node %s: %d call(s) closed as cut are still up on its Asterisk: reopened", self._node,
                        self.revived.calls)
        if cut.calls or cut.legs:
            log_cut(self._node, "asterisk_restarted", at, cut)
            if self._metrics is not None:
                self._metrics.calls_node_lost.labels(self._node).inc(cut.calls)
        self.last = cut
        return cut
