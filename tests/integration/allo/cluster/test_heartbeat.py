"""The heartbeat in `cluster_nodes` (the database's clock, Asterisk up and since when; a database outage only
logs), and the cut of calls an Asterisk restart lost (only those started before its start-up)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.client import AmiClient
from acd.ami.event_types import AmiResponse, UnknownEvent
from allo.cluster.cut_calls import cut_calls
from allo.cluster.heartbeat import AsteriskWatch, Heartbeat
from allo.cluster.restart import RestartSweep
from allo.setup.sipp import free_port
from tests.integration.allo.cluster.cluster_kit import add_call, calls_of, db_now, legs_of

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def node_row(engine, name: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT * FROM cluster_nodes WHERE name = :n"), {"n": name})).one()


async def test_each_beat_upserts_the_nodes_row_on_the_databases_clock(engine):
    clock, connected = Clock(), [False]
    watch = AsteriskWatch(lambda: connected[0], clock)
    beat = Heartbeat(engine, name="a", http_url="http://127.0.0.1:8000", sip_address="127.0.0.2:5060",
                     interval=1.0, watch=watch, clock=clock)
    clock.t += 30  # the allo started 30 s ago, its Asterisk never seen
    await beat.beat()
    now = await db_now(engine)
    row = await node_row(engine, "a")
    assert (row.http_url, row.sip_address, row.asterisk_up, row.asterisk_since) == (
        "http://127.0.0.1:8000", "127.0.0.2:5060", False, None)
    assert timedelta(seconds=29) < now - row.started_at < timedelta(seconds=31)
    assert now - row.beat_at < timedelta(seconds=1)

    watch.on_resync(None)  # the AMI comes up
    connected[0] = True
    clock.t += 2
    await beat.beat()
    row = await node_row(engine, "a")
    assert row.asterisk_up and timedelta(seconds=1.5) < row.beat_at - row.asterisk_since < timedelta(seconds=2.5)
    clock.t += 5  # (this clock runs ahead of the database's: "since" is how long ago, on the beat's clock)
    await beat.beat()
    row = await node_row(engine, "a")
    assert row.asterisk_up and timedelta(seconds=6.5) < row.beat_at - row.asterisk_since < timedelta(seconds=7.5)

    connected[0] = False  # Asterisk gone: down since this beat saw it
    await beat.beat()
    row = await node_row(engine, "a")
    assert not row.asterisk_up and row.beat_at - row.asterisk_since < timedelta(seconds=0.5)
    assert beat.beats == 4


async def test_a_database_outage_does_not_stop_the_heartbeat(engine, test_settings):
    away = create_async_engine(f"postgresql+asyncpg://allo:x@127.0.0.1:{free_port()}/allo",
                               connect_args={"timeout": 1})
    beat = Heartbeat(away, name="a", http_url="", sip_address="", interval=0.05,
                     watch=AsteriskWatch(lambda: True), timeout=1.0)
    await beat.start()
    try:
        deadline = time.monotonic() + 10
        while beat.failures < 3:
            assert time.monotonic() < deadline, "the heartbeat stopped trying"
            await asyncio.sleep(0.02)
        assert beat.beats == 0
    finally:
        await beat.stop()
        await away.dispose()


class BootedAt:
    """The two AMI actions the restart check sends, answered as Asterisk 22 does (CoreStatus: local time, to the
    second; CoreShowChannels: one event per channel)."""

    def __init__(self, booted: datetime, live: tuple[str, ...] = ()) -> None:
        self.live = live
        local = booted.astimezone()
        self.fields = {"Response": "Success", "CoreStartupDate": local.strftime("%Y-%m-%d"),
                       "CoreStartupTime": local.strftime("%H:%M:%S")}

    async def action(self, name: str, fields: object = None, **_: object) -> AmiResponse:
        assert name == "CoreStatus"
        return AmiResponse(True, "", dict(self.fields))

    async def list_action(self, name: str, fields: object = None, complete: str | None = None,
                          **_: object) -> list[object]:
        assert (name, complete) == ("CoreShowChannels", "CoreShowChannelsComplete")
        return [UnknownEvent("CoreShowChannel", {"Channel": f"PJSIP/trunk-{n}", "Uniqueid": uniqueid})
                for n, uniqueid in enumerate(self.live)]


async def test_after_an_asterisk_restart_only_the_calls_older_than_it_are_cut(engine):
    await add_call(engine, "a-1.1", "a", "queued", started_ago=120, leg="waiting")
    await add_call(engine, "a-1.2", "a", "answered", started_ago=60, leg="answered")
    await add_call(engine, "a-1.3", "a", "queued", started_ago=2, leg="waiting")  # on the new Asterisk
    await add_call(engine, "b-1.1", "b", "queued", started_ago=120, leg="waiting")  # another node's
    booted = (await db_now(engine)) - timedelta(seconds=10)
    sweep = RestartSweep(engine, cast(AmiClient, BootedAt(booted)), "a", down_for=lambda: 30.0)
    sweep.on_resync([])
    cut = await sweep.wait()
    assert cut is not None and (cut.calls, cut.legs) == (2, 2)
    calls = await calls_of(engine)
    assert calls["a-1.1"][1] == calls["a-1.2"][1] == "node_lost"
    lost_at = calls["a-1.1"][0]
    assert lost_at is not None and booted - lost_at > timedelta(seconds=15)  # when the AMI was lost, 30 s ago
    assert calls["a-1.3"][1] is None and calls["b-1.1"][1] is None

    # A mere reconnection to the same Asterisk: every call it holds started after it booted, nothing is cut.
    await add_call(engine, "a-1.4", "a", "queued", started_ago=1, leg="waiting")
    again = RestartSweep(engine, cast(AmiClient, BootedAt(booted)), "a", down_for=lambda: None)
    again.on_resync([])
    assert await again.wait() == type(cut)(0, 0)
    assert (await calls_of(engine))["a-1.4"][1] is None
    assert datetime.now(UTC) > booted


async def test_calls_cut_while_this_allo_was_silent_but_still_up_on_its_asterisk_are_reopened(engine):
    """The allo died, its Asterisk did not: the sweeper cut the node's calls; back, the allo finds some still up."""
    booted = (await db_now(engine)) - timedelta(hours=1)
    await add_call(engine, "a-3.1", "a", "queued", started_ago=60, leg="waiting")  # still waiting on Asterisk
    await add_call(engine, "a-3.2", "a", "answered", started_ago=60, leg="answered")  # ended meanwhile
    async with engine.begin() as conn:
        cut = await cut_calls(conn, "a", (await db_now(engine)) - timedelta(seconds=20))
    assert (cut.calls, cut.legs) == (2, 2)
    sweep = RestartSweep(engine, cast(AmiClient, BootedAt(booted, live=("a-3.1", "a-3.1-helper"))), "a",
                         down_for=lambda: None)
    sweep.on_resync([])
    assert await sweep.wait() == type(cut)(0, 0)  # same Asterisk: nothing cut
    assert (sweep.revived.calls, sweep.revived.legs) == (1, 1)
    calls, legs = await calls_of(engine), await legs_of(engine)
    assert calls["a-3.1"][:2] == (None, None) and legs["a-3.1"] == ("waiting", None, None, None)
    assert calls["a-3.2"][1] == "node_lost" and legs["a-3.2"][3] == "node_lost"
