"""A TCP proxy that can go silent: the half-open AMI connection of issue 7 without touching Asterisk.

`go_silent()` stops forwarding on the connections open at that moment, in both directions, without closing them:
to our AMI client the peer is still connected and says nothing (what a dead NAT entry or a frozen peer looks
like). Connections opened afterwards are forwarded normally, so a client that reconnects gets through.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field


@dataclass
class _Link:
    silent: bool = False
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


class SilentableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted: list[float] = []  # time.monotonic() of each accepted client connection
        self._links: list[_Link] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> SilentableProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def go_silent(self) -> int:
        """Silence every connection open now; returns how many."""
        live = [link for link in self._links if not link.silent]
        for link in live:
            link.silent = True
        return len(live)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted.append(time.monotonic())
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        link = _Link(writers=[writer, up_writer])
        self._links.append(link)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(link, src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pump(link: _Link, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                if link.silent:
                    continue  # swallowed: the other side hears nothing, and nothing is closed
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        if not link.silent:
            for writer in link.writers:
                writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in self._links:
            for writer in link.writers:
                writer.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            await self._server.wait_closed()
