"""A small fake Asterisk speaking FastAGI over TCP, and helpers, for the AgiServer tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable

from agi import AgiServer, AgiSession, SessionOutcome

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
