"""Our AMI client against the real Asterisk 22: login, FullyBooted, QueueStatus resync, restart."""

from __future__ import annotations

import asyncio

import pytest

from acd.ami.client import AmiClient
from acd.ami.events import QueueMember, QueueParams
from acd.live import LiveState, system_clock

pytestmark = pytest.mark.integration


async def _wait(predicate, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_ami_reconnects_after_asterisk_restart_and_resynchronises(test_settings, asterisk):
    client = AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                       test_settings.ami_secret.get_secret_value(), backoff_initial=0.2, backoff_max=1.0,
                       ping_interval=1.0, ping_timeout=1.0)
    snapshots: list[list] = []
    live = LiveState(system_clock)
    client.add_resync_listener(lambda snapshot: (snapshots.append(list(snapshot)), live.resync(snapshot)))
    client.add_listener(live.apply)
    await client.start()
    try:
        await client.wait_ready(15)
        first = snapshots[-1]
        queues = {e.queue for e in first if isinstance(e, QueueParams)}
        assert {"l1", "l2-travail", "l2-logement"} <= queues

        # A member added now is in the live state, and Asterisk forgets it on restart
        # (persistentmembers = no): only a real resync can make the live state right again.
        await client.queue_add("l1", "PJSIP/agent1002", "agent1002", paused=True)
        await _wait(lambda: "PJSIP/agent1002" in str(live.to_dict()), 5, "member in live state")

        reconnects = client.reconnects
        asterisk.stop()
        await _wait(lambda: not client.connected, 10, "disconnect noticed")
        asterisk.start()
        await client.wait_ready(20)
        await _wait(lambda: len(snapshots) >= 2, 10, "second resync")
        assert client.reconnects > reconnects
        after = snapshots[-1]
        assert {e.queue for e in after if isinstance(e, QueueParams)} == queues
        assert not [e for e in after if isinstance(e, QueueMember)]
        assert "PJSIP/agent1002" not in str(live.to_dict())
        # Actions work on the new connection.
        status = await client.queue_status("l1")
        assert any(isinstance(e, QueueParams) and e.queue == "l1" for e in status)
    finally:
        await client.stop()
