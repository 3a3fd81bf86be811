"""What a node's allo runs for the cluster, wired as the service wires it (ClusterParts) with the real Asterisk's
AMI: its row in `cluster_nodes` says Asterisk is up; the AMI gone, it says down since then."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from acd.ami.client import AmiClient
from allo.cluster.parts import ClusterParts
from allo.metrics import Metrics

pytestmark = pytest.mark.integration


async def node_row(engine, name: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT * FROM cluster_nodes WHERE name = :n"), {"n": name})).one_or_none()


async def until(check, what: str, timeout: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


async def test_the_nodes_row_follows_its_ami(test_settings, asterisk, engine):
    settings = test_settings.model_copy(update={"node_name": "n1", "node_heartbeat_seconds": 0.1,
                                                "node_lost_seconds": 1.0, "sip_bind": "127.0.0.2"})
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_username,
                    settings.ami_secret.get_secret_value(), backoff_initial=0.2, backoff_max=1.0)
    parts = ClusterParts(settings, engine, ami, Metrics())
    await ami.start()
    await parts.start()
    try:
        await ami.wait_ready(15)
        row = await until(lambda: _up(engine, True), "the row never said Asterisk is up")
        assert row.sip_address == f"127.0.0.2:{settings.sip_port}"
        assert row.http_url == f"http://{settings.http_host}:{settings.http_port}"
        await until(_true(lambda: parts.sweeper.leader), "the only sweeper here never took the lock")
        await ami.stop()  # this allo loses its AMI
        row = await until(lambda: _up(engine, False), "the row never said Asterisk is down")
        assert row.beat_at - row.asterisk_since < timedelta(seconds=1)
    finally:
        await parts.stop()
        await ami.stop()


async def _up(engine, up: bool) -> Any:
    row = await node_row(engine, "n1")
    return row if row is not None and row.asterisk_up is up else None


def _true(check):
    async def holds() -> bool:
        return bool(check())

    return holds
