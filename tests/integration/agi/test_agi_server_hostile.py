"""AgiServer over real TCP sockets: hostile peers, drain on stop, many sessions at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

import pytest

from agi import SessionOutcome
from tests.integration.agi.agi_fake_asterisk import (
    IO_TIMEOUT,
    FakeAsterisk,
    Ivr,
    RecordingObserver,
    ServerFactory,
    header_block,
    normal_call,
)

pytestmark = pytest.mark.integration


async def connect_and_close(port: int) -> None:
    fake = await FakeAsterisk.connect(port)
    await fake.close()


async def send_and_wait_for_close(port: int, data: bytes) -> None:
    fake = await FakeAsterisk.connect(port)
    try:
        with contextlib.suppress(ConnectionError):
            await fake.send(data)
            await fake.expect_close()
    finally:
        await fake.close()


async def trickle(port: int, data: bytes, interval: float) -> None:
    fake = await FakeAsterisk.connect(port)
    try:
        with contextlib.suppress(ConnectionError):
            for i in range(len(data)):
                await fake.send(data[i : i + 1])
                await asyncio.sleep(interval)
            await fake.expect_close()
    finally:
        await fake.close()


async def test_hostile_peers_only_end_their_own_connection(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server(header_timeout=1.0)
    alone = await normal_call(server.port)
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}

    hostile = [
        asyncio.create_task(connect_and_close(server.port)),
        asyncio.create_task(send_and_wait_for_close(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
        asyncio.create_task(send_and_wait_for_close(server.port, b"\xff\xfe\x80\x00garbage\xc3\n")),
        asyncio.create_task(send_and_wait_for_close(server.port, b"agi_network: " + b"y" * 100_000)),
        asyncio.create_task(send_and_wait_for_close(server.port, header_block()[:-1])),  # no blank line
        asyncio.create_task(trickle(server.port, header_block(), interval=0.05)),
    ]
    async with asyncio.timeout(IO_TIMEOUT):  # every hostile peer is connected and misbehaving
        while observer.started < 1 + len(hostile):
            await asyncio.sleep(0.01)
    busy = await normal_call(server.port, uniqueid="1732270000.13")
    assert busy < alone + 0.5
    assert not hostile[-1].done()  # the trickler was still going during the normal call

    await asyncio.wait_for(asyncio.gather(*hostile), IO_TIMEOUT)
    outcomes = await observer.wait_ended(8)
    assert outcomes == {
        SessionOutcome.COMPLETED: 2,
        SessionOutcome.PROTOCOL_ERROR: 4,  # closed at once, HTTP, non-UTF-8, over-long line
        SessionOutcome.TIMEOUT: 2,  # headers never finished, trickler
    }
    assert server.active_sessions == 0


async def test_event_loop_keeps_running_while_peers_misbehave(make_server: ServerFactory) -> None:
    server = await make_server(header_timeout=0.5)
    peers = [asyncio.create_task(connect_and_close(server.port)) for _ in range(50)]
    peers += [asyncio.create_task(send_and_wait_for_close(server.port, b"\x00" * 10)) for _ in range(50)]
    loop = asyncio.get_running_loop()
    worst_lag = 0.0
    while not all(peer.done() for peer in peers):
        before = loop.time()
        await asyncio.sleep(0.01)
        worst_lag = max(worst_lag, loop.time() - before - 0.01)
    await asyncio.gather(*peers)
    assert worst_lag < 0.2


# --- shutdown ----------------------------------------------------------------------------------


async def test_stop_drains_an_active_session_and_refuses_new_ones(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server()
    port = server.port
    fake = await FakeAsterisk.connect(port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        assert server.active_sessions == 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        stopping = asyncio.create_task(server.stop(drain_timeout=5.0))
        async with asyncio.timeout(IO_TIMEOUT):  # stop() has begun: no longer accepting
            while server.accepting:
                await asyncio.sleep(0.01)
        assert not stopping.done()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(0.2)  # playback goes on while the server drains
        await fake.send(b"200 result=0 endpos=16000\n")
        await fake.answer("GET DATA menu-main 3000 1", "200 result=1")
        await fake.answer("SET VARIABLE IVR_CHOICE 1", "200 result=1")
        await fake.expect_close()
        await asyncio.wait_for(stopping, IO_TIMEOUT)
        assert loop.time() - started < 2.0
    finally:
        await fake.close()
    assert observer.outcomes == {SessionOutcome.COMPLETED: 1}
    assert server.active_sessions == 0


async def test_stop_cancels_sessions_after_the_drain_timeout(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server(command_timeout=30.0)
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        loop = asyncio.get_running_loop()
        started = loop.time()
        await server.stop(drain_timeout=0.3)
        assert 0.3 <= loop.time() - started < 1.5
        await fake.expect_close()
    finally:
        await fake.close()
    assert observer.outcomes == {SessionOutcome.CANCELLED: 1}
    assert server.active_sessions == 0


async def test_serve_forever_returns_after_stop(make_server: ServerFactory) -> None:
    server = await make_server()
    serving = asyncio.create_task(server.serve_forever())
    await normal_call(server.port)
    assert not serving.done()
    await server.stop()
    await asyncio.wait_for(serving, IO_TIMEOUT)


# --- load --------------------------------------------------------------------------------------------


async def test_200_concurrent_sessions(
    make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver
) -> None:
    server = await make_server()
    calls = [normal_call(server.port, uniqueid=f"1732270000.{n}", choice=str(n % 10)) for n in range(200)]
    durations = await asyncio.wait_for(asyncio.gather(*calls), 30)
    assert len(durations) == 200
    assert await observer.wait_ended(200) == {SessionOutcome.COMPLETED: 200}
    assert Counter(ivr.choices) == Counter(str(n % 10) for n in range(200))
    assert len({session.uniqueid for session in ivr.sessions}) == 200
    assert server.active_sessions == 0


async def test_a_flood_of_broken_connections_is_counted_in_full_but_logged_only_a_few_times(
    make_server: ServerFactory, observer: RecordingObserver, caplog: pytest.LogCaptureFixture
) -> None:
    server = await make_server()
    with caplog.at_level(logging.WARNING, logger="agi"):
        await asyncio.gather(*(connect_and_close(server.port) for _ in range(60)))
        assert await observer.wait_ended(60) == {SessionOutcome.PROTOCOL_ERROR: 60}
    lines = [r.getMessage() for r in caplog.records if "before the AGI headers" in r.getMessage()]
    assert len(lines) == 10  # the burst of one window; the metrics have all sixty
