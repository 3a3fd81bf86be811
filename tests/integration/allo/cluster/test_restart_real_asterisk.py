"""The restart check against the real Asterisk 22: CoreStatus gives its start-up time on this machine's clock; after
a restart, the node's calls started before it are cut as by a node loss, the ones after it are kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from acd.ami.client import AmiClient
from allo.cluster.restart import RestartSweep, boot_time
from tests.integration.allo.cluster.cluster_kit import add_call, calls_of

pytestmark = pytest.mark.integration


async def test_an_asterisk_restart_cuts_the_calls_it_lost(test_settings, asterisk, engine):
    client = AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                       test_settings.ami_secret.get_secret_value(), backoff_initial=0.2, backoff_max=1.0,
                       ping_interval=1.0, ping_timeout=1.0)
    resyncs: list[object] = []
    await client.start()
    try:
        await client.wait_ready(15)
        booted = boot_time((await client.action("CoreStatus")).fields)
        assert booted is not None and booted <= datetime.now(UTC)  # its clock is ours, to the second
        # Started 2 s ago: before the restart below, even with a start-up time read to the second.
        await add_call(engine, "t-1.1", "t", "queued", started_ago=2, leg="waiting")

        sweep = RestartSweep(engine, client, "t", down_for=lambda: None)
        client.add_resync_listener(sweep.on_resync)
        client.add_resync_listener(resyncs.append)
        asterisk.stop()
        deadline = asyncio.get_running_loop().time() + 10
        while client.connected:
            assert asyncio.get_running_loop().time() < deadline, "disconnect not noticed"
            await asyncio.sleep(0.05)
        asterisk.start()
        await client.wait_ready(20)
        deadline = asyncio.get_running_loop().time() + 10
        while not resyncs:
            assert asyncio.get_running_loop().time() < deadline, "no resync after the restart"
            await asyncio.sleep(0.05)
        cut = await sweep.wait()
        assert cut is not None and (cut.calls, cut.legs) == (1, 1)
        rebooted = boot_time((await client.action("CoreStatus")).fields)
        assert rebooted is not None and booted is not None and rebooted > booted
        calls = await calls_of(engine)
        assert calls["t-1.1"][1] == "node_lost"
        # A call on the new Asterisk is kept by the next check (a reconnection to the same process).
        await add_call(engine, "t-1.2", "t", "queued", started_ago=0, leg="waiting")
        again = RestartSweep(engine, client, "t", down_for=lambda: None)
        again.on_resync([])
        assert await again.wait() == type(cut)(0, 0)
        assert (await calls_of(engine))["t-1.2"][1] is None
    finally:
        await client.stop()
