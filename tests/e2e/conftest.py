"""Helpers for end-to-end calls: an AMI observer and registered SIPp agents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from acd.ami.client import AmiClient
from acd.ami.events import AmiEvent
from allo.settings import Settings
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance
from bench.survey_off import publish_survey_off
from tests.e2e.agent_kit import register_phone

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


@pytest.fixture
async def ami_watch(test_settings: Settings, asterisk: object) -> AsyncIterator[AmiWatch]:
    client = AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                       test_settings.ami_secret.get_secret_value())
    watch = AmiWatch(client)
    client.add_listener(watch.events.append)
    await client.start()
    await client.wait_ready(15)
    yield watch
    await client.stop()


@dataclass
class RegisteredAgent:
    username: str
    port: int
    sip_port: int

    def answer(self, calls: int = 1, talk_ms: int = 1000) -> sipp.Sipp:
        return sipp.agent(self.sip_port, self.port, calls=calls, talk_ms=talk_ms).start()


@pytest.fixture
async def l1_agent(test_settings: Settings, demo_passwords: dict[str, str],
                   ami_watch: AmiWatch) -> AsyncIterator[RegisteredAgent]:
    """agent1001 registered from a SIPp softphone and logged in to l1 over AMI."""
    username = "agent1001"
    port = await register_phone(test_settings, username, demo_passwords[username])
    await ami_watch.client.queue_add("l1", f"PJSIP/{username}", username)
    yield RegisteredAgent(username, port, test_settings.sip_port)
    await ami_watch.client.queue_remove("l1", f"PJSIP/{username}")


@pytest.fixture(scope="session", autouse=True)
def survey_off(test_settings: Settings, seeded: object) -> None:
    """The satisfaction survey off for the whole session (bench/survey_off.py says why)."""
    asyncio.run(publish_survey_off(test_settings))


@pytest.fixture(autouse=True)
def no_leftover_calls(asterisk: AsteriskInstance) -> Iterator[None]:
    """A call a failed test leaves behind (a caller still queued, a callback's Local channel) would take the next
    test's adviser and fail it too: hang everything up after each test, and say what was left."""
    yield
    left = asterisk.cli("core show channels concise", check=False).strip()
    if left:
        print(f"[e2e] channels left after the test, hung up:\n{left}")
        asterisk.cli("channel request hangup all", check=False)
