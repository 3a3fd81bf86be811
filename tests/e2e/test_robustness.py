"""Real calls while things go wrong: hang-up in the menu, hostile FastAGI clients, a service stop mid-call."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from allo.db.models import Call, CallOutcome
from allo.settings import Settings
from allo.setup import sipp
from tests.e2e.e2e_rows import wait_call_row

pytestmark = pytest.mark.e2e


async def test_hang_up_during_the_welcome_prompt_is_recorded(test_settings, running_service):
    since = time.time()
    result = await asyncio.to_thread(sipp.citizen_hanging_up(test_settings.sip_port, after_ms=1500).run)
    assert result.ok, result.log
    row = await wait_call_row(test_settings, since=since - 1, until=CallOutcome.HUNG_UP_IN_MENU)
    assert row.end_reason == "hangup_in_menu"
    assert row.route_queue is None and row.queue_joined_at is None
    # The server is still healthy after the hang-up.
    assert httpx.get(f"{running_service.base_url}/healthz", timeout=5).status_code == 200


async def _hostile_clients(host: str, port: int, stop: asyncio.Event, attacking: asyncio.Event) -> int:
    """Connect-and-close, garbage, non-UTF-8, a trickler and idle sockets, until `stop`; `attacking` is set once
    the idle sockets are open and a first round of garbage is sent."""
    opened = 0
    writers: list[asyncio.StreamWriter] = []

    async def connect() -> asyncio.StreamWriter:
        nonlocal opened
        _, writer = await asyncio.open_connection(host, port)
        opened += 1
        writers.append(writer)
        return writer

    async def trickle() -> None:
        writer = await connect()
        for byte in b"agi_network: yes\n":
            if stop.is_set():
                return
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.3)

    trickler = asyncio.create_task(trickle())
    try:
        for _ in range(50):
            await connect()  # idle
        while not stop.is_set():
            (await connect()).close()
            (await connect()).write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\x00" * 512)
            (await connect()).write(b"agi_network_script: \xff\xfe\xfa\nagi_uniqueid: \x80\x81\n\n")
            (await connect()).write(b"x" * 20000 + b"\n")
            attacking.set()
            await asyncio.sleep(0.05)
    finally:
        trickler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await trickler
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    return opened


async def _menu_seconds(settings: Settings, agent: object, caller: str) -> float:
    """Time from the call record's start to joining the queue, for one real call answered by the agent."""
    answering = agent.answer(talk_ms=300)  # type: ignore[attr-defined]
    since = time.time()
    result = await asyncio.to_thread(sipp.citizen(settings.sip_port, caller=caller, keys="1").run)
    agent_result = await asyncio.to_thread(answering.wait, 20)
    assert result.ok, result.log
    assert agent_result.ok, agent_result.log
    row = await wait_call_row(settings, since=since - 1, until=CallOutcome.COMPLETED)
    assert row.route_queue == "l1" and row.queue_joined_at is not None
    return (row.queue_joined_at - row.started_at).total_seconds()


async def test_hostile_fastagi_clients_do_not_slow_a_real_call(test_settings, running_service, l1_agent):
    clean = await _menu_seconds(test_settings, l1_agent, "0622222222")
    stop, attacking = asyncio.Event(), asyncio.Event()
    hostile = asyncio.create_task(_hostile_clients(test_settings.agi_host, test_settings.agi_port, stop, attacking))
    try:
        deadline = time.monotonic() + 10
        while not attacking.is_set():  # the attack is under way before the call starts
            assert not hostile.done() and time.monotonic() < deadline, "the hostile clients never got going"
            await asyncio.sleep(0.01)
        attacked = await _menu_seconds(test_settings, l1_agent, "0633333333")
    finally:
        stop.set()
        opened = await hostile
    assert opened > 100
    # The menu is a fixed-length prompt: any stall of the event loop would show here.
    assert abs(attacked - clean) < 0.5, (clean, attacked)
    metrics = httpx.get(f"{running_service.base_url}/metrics", headers=running_service.headers(Role.OPS),
                        timeout=5).text
    assert 'allo_agi_sessions_total{outcome="protocol_error"}' in metrics


async def test_stopping_the_service_drains_the_call_in_the_menu(test_settings, running_service, ami_watch,
                                                                 l1_agent):
    answering = l1_agent.answer(talk_ms=300)
    citizen = sipp.citizen(test_settings.sip_port, caller="0644444444", keys="1").start()
    try:
        async with httpx.AsyncClient(headers=running_service.headers(Role.OPS)) as client:
            for _ in range(100):
                metrics = (await client.get(f"{running_service.base_url}/metrics")).text
                if "allo_agi_active_sessions 1.0" in metrics:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the call never reached the FastAGI server")
        started = time.monotonic()
        assert running_service.proc is not None
        running_service.proc.terminate()
        code = await asyncio.to_thread(running_service.proc.wait, 40)
        waited = time.monotonic() - started
        assert code == 0
        assert waited > 2, "the service did not wait for the call in the menu"
        result = await asyncio.to_thread(citizen.wait, 30)
        agent_result = await asyncio.to_thread(answering.wait, 20)
        assert result.ok, result.log
        assert agent_result.ok, agent_result.log
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1")
        await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid)
    finally:
        citizen.stop()
        running_service.start()
    # The handler ran to its end (not cancelled): the route was recorded before the service exited.
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(Call).where(Call.call_id == joined.uniqueid))).first()
    finally:
        await engine.dispose()
    assert row is not None and row.trace is not None and row.trace[-1] == "-> queue l1"
