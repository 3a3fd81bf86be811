"""AgiServer over real TCP sockets, against a small fake Asterisk written here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from agi import AgiHangup, AgiServer, AgiSession, SessionOutcome

pytestmark = pytest.mark.integration

CALLER = "0612345678"
IO_TIMEOUT = 5.0


def header_block(script: str = "ivr", uniqueid: str = "1732270000.12", **extra: str) -> bytes:
    headers = {
        "agi_request": f"agi://127.0.0.1:4573/{script}",
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_channel": "PJSIP/trunk-00000001",
        "agi_language": "fr",
        "agi_type": "PJSIP",
        "agi_uniqueid": uniqueid,
        "agi_version": "22.10.1",
        "agi_callerid": CALLER,
        "agi_calleridname": "Jean Dupont",
        "agi_callingpres": "0",
        "agi_context": "from-trunk",
        "agi_extension": "3939",
        "agi_priority": "2",
        "agi_enhanced": "0.0",
        "agi_accountcode": "",
        "agi_threadid": "140245",
        **extra,
    }
    return "".join(f"{key}: {value}\n" for key, value in headers.items()).encode() + b"\n"


class FakeAsterisk:
    """The Asterisk end of one FastAGI connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> FakeAsterisk:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def command(self) -> str:
        line = await asyncio.wait_for(self.reader.readline(), IO_TIMEOUT)
        if not line:
            raise EOFError("the AGI server closed the connection")
        assert line.endswith(b"\n")
        return line[:-1].decode()

    async def answer(self, expected: str, reply: str) -> None:
        assert await self.command() == expected
        await self.send(reply.encode() + b"\n")

    async def expect_close(self) -> None:
        """The server must close its end; nothing more may arrive."""
        assert await asyncio.wait_for(self.reader.read(), IO_TIMEOUT) == b""

    async def dead_channel(self) -> None:
        """Answer like a hung-up channel until the server closes the connection."""
        while line := await asyncio.wait_for(self.reader.readline(), IO_TIMEOUT):
            assert line.endswith(b"\n")
            await self.send(b"511 Command Not Permitted on a dead channel or intercept routine\n")

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class RecordingObserver:
    def __init__(self) -> None:
        self.started = 0
        self.ended: list[tuple[SessionOutcome, float]] = []
        self.commands: list[str] = []
        self._changed = asyncio.Event()

    def session_started(self) -> None:
        self.started += 1

    def session_ended(self, outcome: SessionOutcome, seconds: float) -> None:
        self.ended.append((outcome, seconds))
        self._changed.set()

    def command_done(self, command: str, seconds: float) -> None:
        self.commands.append(command)

    @property
    def outcomes(self) -> Counter[SessionOutcome]:
        return Counter(outcome for outcome, _ in self.ended)

    async def wait_ended(self, count: int) -> Counter[SessionOutcome]:
        async with asyncio.timeout(IO_TIMEOUT):
            while len(self.ended) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.outcomes


class Ivr:
    """The handler under test: a welcome prompt, a one-digit menu, the choice saved."""

    def __init__(self) -> None:
        self.sessions: list[AgiSession] = []
        self.choices: list[str] = []

    async def __call__(self, session: AgiSession) -> None:
        self.sessions.append(session)
        await session.stream_file("welcome")
        choice = await session.get_data("menu-main", 3000, 1)
        await session.set_variable("IVR_CHOICE", choice)
        self.choices.append(choice)


async def normal_call(port: int, uniqueid: str = "1732270000.12", choice: str = "2") -> float:
    """One complete call as Asterisk would place it; returns its duration in seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    fake = await FakeAsterisk.connect(port)
    try:
        await fake.send(header_block(uniqueid=uniqueid))
        await fake.answer('STREAM FILE welcome ""', "200 result=0 endpos=16000")
        await fake.answer("GET DATA menu-main 3000 1", f"200 result={choice}")
        await fake.answer(f"SET VARIABLE IVR_CHOICE {choice}", "200 result=1")
        await fake.expect_close()
    finally:
        await fake.close()
    return loop.time() - started


ServerFactory = Callable[..., Awaitable[AgiServer]]


@pytest.fixture
def observer() -> RecordingObserver:
    return RecordingObserver()


@pytest.fixture
def ivr() -> Ivr:
    return Ivr()


@pytest.fixture
async def make_server(ivr: Ivr, observer: RecordingObserver) -> AsyncIterator[ServerFactory]:
    servers: list[AgiServer] = []

    async def make(routes: dict[str, object] | None = None, **kwargs: object) -> AgiServer:
        async def ivr_route(session: AgiSession) -> None:
            await ivr(session)

        settings: dict[str, object] = {"header_timeout": 1.0, "command_timeout": 2.0, "observer": observer}
        settings.update(kwargs)
        server = AgiServer(routes or {"ivr": ivr_route}, port=0, **settings)  # type: ignore[arg-type]
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop(drain_timeout=1.0)


# --- normal calls ------------------------------------------------------------------------------


async def test_normal_session(make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver) -> None:
    server = await make_server()
    await normal_call(server.port, choice="3")
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    assert observer.started == 1
    assert observer.commands == ["STREAM FILE", "GET DATA", "SET VARIABLE"]
    assert ivr.choices == ["3"]
    (session,) = ivr.sessions
    assert (session.script, session.channel, session.caller_id) == ("ivr", "PJSIP/trunk-00000001", CALLER)
    assert server.active_sessions == 0


async def test_script_arguments_reach_the_handler(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    seen: list[dict[str, str]] = []

    async def menu(session: AgiSession) -> None:
        seen.append(dict(session.args))

    server = await make_server({"menu": menu})
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block(script="menu?level=2&lang=fr"))
        await fake.expect_close()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    assert seen == [{"level": "2", "lang": "fr"}]


async def test_non_utf8_header_value_does_not_end_the_call(
    make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block().replace(b"Jean Dupont", b"H\xe9l\xe8ne"))
        await fake.answer('STREAM FILE welcome ""', "200 result=0 endpos=16000")
        await fake.answer("GET DATA menu-main 3000 1", "200 result= (timeout)")
        await fake.answer('SET VARIABLE IVR_CHOICE ""', "200 result=1")
        await fake.expect_close()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    assert ivr.sessions[0].env["agi_calleridname"] == "H\ufffdl\ufffdne"
    assert ivr.choices == [""]


# --- hang-ups ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after_stream_file",
    [
        b"200 result=-1 endpos=1200\nHANGUP\n",  # what Asterisk sends when playback notices it
        b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n",
        b"200 result=-1 endpos=1200\n",  # the HANGUP line comes late, with the next command
    ],
)
async def test_hangup_mid_command(
    make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver, after_stream_file: bytes
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        await fake.send(after_stream_file)
        if not after_stream_file.endswith(b"HANGUP\n") and b"511" not in after_stream_file:
            assert await fake.command() == "GET DATA menu-main 3000 1"
            await fake.send(b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n")
        await fake.dead_channel()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}
    assert ivr.choices == []
    assert ivr.sessions[0].hung_up


async def test_connection_closed_mid_command_is_a_hangup(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        await fake.send(b"HANGUP\n")
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}


async def test_hangup_sent_with_the_headers(make_server: ServerFactory, observer: RecordingObserver) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block() + b"HANGUP\n")
        await fake.expect_close()  # no command is sent to a channel known to be gone
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}


async def test_handler_that_catches_the_hangup_ends_as_hangup(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    async def polite(session: AgiSession) -> None:
        with contextlib.suppress(AgiHangup):
            await session.stream_file("welcome")
            await session.stream_file("bye")

    server = await make_server({"ivr": polite})
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        await fake.answer('STREAM FILE welcome ""', "200 result=-1 endpos=5\nHANGUP")
        await fake.dead_channel()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}


# --- routing, handler and protocol failures ----------------------------------------------------------


async def test_unknown_script_is_logged_and_closed(
    make_server: ServerFactory, observer: RecordingObserver, caplog: pytest.LogCaptureFixture
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    with caplog.at_level(logging.WARNING, logger="agi"):
        try:
            await fake.send(header_block(script="nope?caller=0699999999"))
            await fake.expect_close()
        finally:
            await fake.close()
        assert await observer.wait_ended(1) == {SessionOutcome.NO_ROUTE: 1}
    assert "'nope'" in caplog.text
    assert CALLER not in caplog.text
    assert "0699999999" not in caplog.text


async def test_handler_exception_is_logged_without_caller_data(
    make_server: ServerFactory, observer: RecordingObserver, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(session: AgiSession) -> None:
        await session.stream_file("welcome")
        raise RuntimeError("bug in the menu")

    server = await make_server({"ivr": broken})
    fake = await FakeAsterisk.connect(server.port)
    with caplog.at_level(logging.WARNING, logger="agi"):
        try:
            await fake.send(header_block())
            await fake.answer('STREAM FILE welcome ""', "200 result=0 endpos=100")
            await fake.expect_close()
        finally:
            await fake.close()
        assert await observer.wait_ended(1) == {SessionOutcome.HANDLER_ERROR: 1}
    assert "bug in the menu" in caplog.text
    assert CALLER not in caplog.text


async def test_garbage_reply_ends_the_session(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        await fake.answer('STREAM FILE welcome ""', "garbage")
        await fake.expect_close()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.PROTOCOL_ERROR: 1}


async def test_command_timeout_ends_the_session(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server(command_timeout=0.2)
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        await fake.expect_close()  # never answered
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.TIMEOUT: 1}


# --- hostile or broken peers -------------------------------------------------------------------------


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
    await asyncio.sleep(0.1)  # every hostile peer is connected and misbehaving
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
        await asyncio.sleep(0.05)
        assert not server.accepting
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
