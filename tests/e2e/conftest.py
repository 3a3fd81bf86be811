"""Helpers for end-to-end calls: an AMI observer and registered SIPp agents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from allo.settings import Settings
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance
from bench.survey_off import publish_survey_off
from tests.e2e.agent_kit import register_phone
from tests.e2e.ami_kit import AmiWatch, watching_ami


@pytest.fixture
async def ami_watch(test_settings: Settings, asterisk: object) -> AsyncIterator[AmiWatch]:
    async with watching_ami(test_settings) as watch:
        yield watch


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
