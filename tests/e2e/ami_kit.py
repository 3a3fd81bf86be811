"""Our AMI client on a test's Asterisk, recording every typed event, and the wait for one of them: the e2e tests'
`ami_watch` and the SIP path's `node_watch` (tests/cluster/sip_kit.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from acd.ami.client import AmiClient
from acd.ami.events import AmiEvent
from allo.settings import Settings

E = TypeVar("E", bound=AmiEvent)


@dataclass
class AmiWatch:
    """Our AMI client, started in the test, recording every typed event."""

    client: AmiClient
    events: list[AmiEvent] = field(default_factory=list)

    def index_of(self, event: AmiEvent) -> int:
        """Where `event` (this very object) was received: two events can be equal field for field."""
        return next(i for i, seen in enumerate(self.events) if seen is event)

    async def wait_for(self, kind: type[E], predicate: Callable[[E], bool] = lambda _e: True,
                       timeout: float = 20.0) -> E:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for event in self.events:
                if isinstance(event, kind) and predicate(event):
                    return event
            if asyncio.get_running_loop().time() > deadline:
                names = [type(e).__name__ for e in self.events]
                raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {names[-30:]}")
            await asyncio.sleep(0.05)


@asynccontextmanager
async def watching_ami(settings: Settings) -> AsyncIterator[AmiWatch]:
    """An AmiWatch on the AMI of `settings`, logged in and ready for the block, stopped after it."""
    client = AmiClient(settings.ami_host, settings.ami_port, settings.ami_username,
                       settings.ami_secret.get_secret_value())
    watch = AmiWatch(client)
    client.add_listener(watch.events.append)
    await client.start()
    await client.wait_ready(15)
    try:
        yield watch
    finally:
        await client.stop()
