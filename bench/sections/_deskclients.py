"""The advisers' desks as clients, in one asyncio process, run by the desk section as a child process.

    BENCH_TOKENS='{"<agent>": "<bearer>", …}' python -m bench.sections._deskclients HOST PORT stream|poll [INTERVAL]

`stream`: each adviser keeps `GET /api/desk/stream` open (its own token) and records every `pop` (call id, the
pop's `event_wall`, wall-clock receipt) and every `state` (receipt, in_call, paused). `poll` (the baseline: a desk
without push): each adviser asks `GET /api/desk/state` every INTERVAL s (keep-alive, each desk at a random phase)
and records the first response showing each call (call id, its `event_wall`, receipt). Prints `READY <ok>
<failed>` once every client has its first event or response; on a `stop` line on stdin, one JSON line with all of
it. Plain asyncio on raw streams (bench.sections._httpkit), as the fan-out section: the clients share the 2 cores
with the service, so their own cost is kept small and measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench.sections._httpkit import read_body, read_chunk, read_head, request_bytes

CONNECT_BATCH = 10


@dataclass
class Desk:
    agent: str
    token: str
    pops: list[tuple[str, float, float]] = field(default_factory=list)
    states: list[tuple[float, bool, bool]] = field(default_factory=list)
    seen: dict[str, tuple[float, float]] = field(default_factory=dict)
    events: int = 0
    polls: int = 0
    error: str = ""


def parse_event(block: bytes) -> tuple[str, dict[str, Any] | None]:
    """(event name, its JSON data) of one SSE block; ("", None) for a comment (`: ping`)."""
    name, data = "message", []
    for line in block.decode("utf-8", "replace").split("\n"):
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if not data:
        return "", None
    try:
        parsed = json.loads("\n".join(data))
    except ValueError:
        return name, None
    return name, parsed if isinstance(parsed, dict) else None


class Fleet:
    def __init__(self, host: str, port: int, tokens: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.desks = [Desk(agent, token) for agent, token in tokens.items()]
        self.first = [asyncio.Event() for _ in self.desks]

    async def _open(self, desk: Desk, path: str, accept: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(request_bytes("GET", path, self.host, desk.token, f"Accept: {accept}\r\n"))
        return reader, writer

    async def stream(self, index: int, gate: asyncio.Semaphore) -> None:
        desk = self.desks[index]
        try:
            async with gate:
                reader, _writer = await self._open(desk, "/api/desk/stream", "text/event-stream")
                status, _headers = await read_head(reader)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}")
            buffer = b""
            while True:
                chunk = await read_chunk(reader)
                if not chunk:
                    raise RuntimeError("stream ended")
                buffer += chunk.replace(b"\r\n", b"\n")
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    received = time.time()
                    name, data = parse_event(block)
                    if data is None:
                        continue
                    desk.events += 1
                    if name == "pop":
                        desk.pops.append((str(data.get("call_id")), float(data.get("event_wall") or 0), received))
                    elif name == "state":
                        desk.states.append((received, bool(data.get("in_call")), bool(data.get("paused"))))
                    self.first[index].set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one client's failure is a result, not a crash
            desk.error = f"{type(exc).__name__}: {exc}"
            self.first[index].set()

    async def poll(self, index: int, interval: float, gate: asyncio.Semaphore) -> None:
        desk = self.desks[index]
        try:
            async with gate:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            # A random phase per desk, as pages opened at any moment: offsets spread by index would put the phones
            # (the first desks) in the same tenth of a second, locked to SIPp's evenly spaced calls.
            start = time.monotonic() + random.uniform(0, interval)
            tick = 0
            while True:
                await asyncio.sleep(max(0.0, start + tick * interval - time.monotonic()))
                tick += 1
                writer.write(request_bytes("GET", "/api/desk/state", self.host, desk.token,
                                           "Accept: application/json\r\n"))
                status, headers = await read_head(reader)
                body = await read_body(reader, headers)
                received = time.time()
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
                desk.polls += 1
                call = json.loads(body).get("call")
                if isinstance(call, dict) and call.get("call_id") and str(call["call_id"]) not in desk.seen:
                    desk.seen[str(call["call_id"])] = (float(call.get("event_wall") or 0), received)
                self.first[index].set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            desk.error = f"{type(exc).__name__}: {exc}"
            self.first[index].set()


async def main(host: str, port: int, mode: str, interval: float, tokens: dict[str, str]) -> None:
    fleet = Fleet(host, port, tokens)
    gate = asyncio.Semaphore(CONNECT_BATCH)
    tasks = [asyncio.create_task(fleet.stream(i, gate) if mode == "stream" else fleet.poll(i, interval, gate))
             for i in range(len(fleet.desks))]
    await asyncio.gather(*(event.wait() for event in fleet.first))
    failed = sum(1 for d in fleet.desks if d.error)
    print(f"READY {len(fleet.desks) - failed} {failed}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    times = os.times()
    print(json.dumps({"cpu_s": times.user + times.system, "desks": [
        {"agent": d.agent, "pops": d.pops, "states": d.states, "events": d.events, "polls": d.polls,
         "seen": [[call_id, wall, received] for call_id, (wall, received) in d.seen.items()], "error": d.error}
        for d in fleet.desks]}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 1.0,
                     json.loads(os.environ["BENCH_TOKENS"])))
