"""Keeps Asterisk's `extensions_hours.conf` in step with the live rules and the calendar date.

Rendered at start-up (the rules cache's first snapshot), on every published version (the cache reacts to
`NOTIFY allo_rules`) and every `refresh_s` (the dated window moves on at midnight). When the text differs from the
file Asterisk has, it is written atomically and Asterisk reloads the dialplan module only (AMI `Reload`,
`Module: pbx_config.so`): queues, members and calls stay as they are. A failure is logged and tried again on the
next change, refresh or AMI reconnection; call handling never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from acd.ami.client import AmiClient
from acd.ami.events import AmiEvent
from allo.fallback.hours import ReopeningFn, render_hours
from allo.tasks import Jobs, cancel_and_wait
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)

FILE = "extensions_hours.conf"
TIMEOUT = 15.0  # the whole job: render, write, reload


class ConfTarget(Protocol):
    """Where Asterisk reads its configuration (allo.setup.asterisk.AsteriskInstance)."""

    @property
    def etc_dir(self) -> str: ...

    def host_path(self, inside: str) -> Path: ...

    def write_conf(self, name: str, text: str) -> None: ...


class FallbackHours:
    def __init__(self, ami: AmiClient, target: ConfTarget | None, reopening: ReopeningFn, *, days: int = 14,
                 refresh_s: float = 3600.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._ami = ami
        self._target = target
        self._reopening = reopening
        self._days = days
        self._refresh_s = refresh_s
        self._clock = clock
        self._rules: RulesSnapshot | None = None
        self._pending = False  # written, but Asterisk has not confirmed the reload
        self._lock = asyncio.Lock()
        self._jobs = Jobs(log, f"{FILE} not reloaded into Asterisk")
        self._refresher: asyncio.Task[None] | None = None
        self.reloads = 0
        self.rendered_version = 0  # the rules version of the file Asterisk last reloaded

    def on_rules(self, snapshot: RulesSnapshot) -> None:
        self._rules = snapshot
        self._start()

    def on_resync(self, _snapshot: Sequence[AmiEvent]) -> None:
        if self._pending:  # the reload failed while AMI was down: try again now that it is back
            self._start()

    def _start(self) -> None:
        if self._target is not None:
            self._jobs.start(self.sync())

    async def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh_forever(), name="fallback-hours")

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            self._start()

    async def sync(self) -> bool:
        """Render, write and reload if the text changed (or a reload is owed); True when Asterisk reloaded."""
        target, rules = self._target, self._rules
        if target is None or rules is None:
            return False
        async with self._lock, asyncio.timeout(TIMEOUT):
            text = render_hours(rules, self._clock(), self._reopening, self._days)
            path = target.host_path(f"{target.etc_dir}/{FILE}")
            current = await asyncio.to_thread(lambda: path.read_text() if path.exists() else None)
            if current is not None and _body(current) == _body(text) and not self._pending:
                return False
            await asyncio.to_thread(target.write_conf, FILE, text)
            self._pending = True
            await self._ami.action("Reload", {"Module": "pbx_config.so"})
            self._pending = False
            self.reloads += 1
            self.rendered_version = rules.version
            log.info("%s rendered from rules version %s: Asterisk reloaded its dialplan", FILE, rules.version)
            return True

    async def stop(self) -> None:
        await cancel_and_wait(self._refresher)
        self._refresher = None
        await self._jobs.stop()


def _body(text: str) -> str:
    """The file without its first line (the time it was rendered): an hourly refresh reloads only on a change."""
    return text.split("\n", 1)[1] if "\n" in text else ""
