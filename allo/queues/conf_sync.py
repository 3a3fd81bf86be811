"""Queue settings Asterisk reads itself (`servicelevel`, strategy, timeouts) follow the published rules.

`queues.conf` is rendered at set-up from the `queues` table. When a rules version is installed, the service renders
it again with the same renderer; if it differs from the file Asterisk has, it is written (atomically) and Asterisk
reloads the queue *parameters* only (AMI `QueueReload` with `Parameters: yes`): members added over AMI and callers
waiting stay where they are (tested in tests/e2e/test_queue_reload.py). A failure is logged and tried again on the
next rules version or AMI reconnection; call handling never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from acd.ami.client import AmiClient
from acd.ami.events import AmiEvent
from allo.setup.asterisk import AsteriskInstance
from allo.setup.asterisk_conf import asterisk_inputs, render_queues
from allo.tasks import Jobs
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)

TIMEOUT = 15.0  # the whole job: read the queues, write the file, reload


class QueueConfSync:
    def __init__(self, engine: AsyncEngine, ami: AmiClient, instance: AsteriskInstance | None) -> None:
        self._engine = engine
        self._ami = ami
        self._instance = instance
        self._pending = False  # the file was written but Asterisk has not confirmed the reload
        self._lock = asyncio.Lock()
        self._jobs = Jobs(log, "queues.conf not reloaded into Asterisk")
        self.reloads = 0

    def on_rules(self, _snapshot: RulesSnapshot) -> None:
        self._start()

    def on_resync(self, _snapshot: Sequence[AmiEvent]) -> None:
        if self._pending:  # the reload failed while AMI was down: try again now that it is back
            self._start()

    def _start(self) -> None:
        if self._instance is not None:
            self._jobs.start(self.sync())

    async def sync(self) -> bool:
        """Write queues.conf and have Asterisk reload queue parameters if the queues table says something new;
        True when a reload was done."""
        instance = self._instance
        if instance is None:
            return False
        async with self._lock, asyncio.timeout(TIMEOUT):
            async with AsyncSession(self._engine) as session:
                queues, _ = await asterisk_inputs(session)
            text = render_queues(queues)
            target = instance.host_path(f"{instance.etc_dir}/queues.conf")
            current = await asyncio.to_thread(lambda: target.read_text() if target.exists() else None)
            if current is None:  # this Asterisk was not set up by us: nothing to keep in step
                return False
            if text == current and not self._pending:
                return False
            if text != current:
                await asyncio.to_thread(instance.write_conf, "queues.conf", text)
                self._pending = True
            await self._ami.action("QueueReload", {"Parameters": "yes", "Members": "no", "Rules": "no"})
            self._pending = False
            self.reloads += 1
            log.info("queues.conf changed: Asterisk reloaded queue parameters")
            return True

    async def stop(self) -> None:
        await self._jobs.stop()
