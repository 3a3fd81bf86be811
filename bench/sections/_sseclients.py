"""N dashboard SSE clients in one asyncio process, run by the fanout section as a child process.

    BENCH_TOKEN=… python -m bench.sections._sseclients HOST PORT CLIENTS

Prints `READY <connected> <failed>` once every client has its first document, then records, per client, each
change of the marker (the `bfo-<n>` pause reason of the bench's queue member, "" when none) with the monotonic
time the document arrived, and the number of documents per 100 ms bin. On a `stop` line on stdin it prints one JSON
line with all of it and exits. CLOCK_MONOTONIC is system-wide on Linux, so these times compare with the parent's.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.sections._httpkit import read_chunk, read_head, request_bytes

MARKER = re.compile(rb"bfo-\d+")
GENERATED = re.compile(rb'"generated_at":([0-9.]+)')
CONNECT_BATCH = 10  # clients connecting at once: each one authenticates against PostgreSQL


@dataclass
class Client:
    transitions: list[tuple[str, float, float, float]] = field(default_factory=list)
    documents: int = 0
    bytes: int = 0
    connect_s: float | None = None
    error: str = ""


class Fleet:
    def __init__(self, host: str, port: int, token: str, count: int) -> None:
        self.host, self.port, self.token = host, port, token
        self.clients = [Client() for _ in range(count)]
        self.bins: Counter[int] = Counter()
        self.first = [asyncio.Event() for _ in range(count)]

    async def follow(self, index: int, gate: asyncio.Semaphore) -> None:
        client = self.clients[index]
        started = time.monotonic()
        try:
            async with gate:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(request_bytes("GET", "/api/dashboard/stream", self.host, self.token,
                                           "Accept: text/event-stream\r\n"))
                status, _headers = await read_head(reader)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}")
                buffer = b""
                while b"\n\n" not in buffer:
                    buffer += await read_chunk(reader)
            client.connect_s = time.monotonic() - started
            last = None
            while True:
                while b"\n\n" in buffer:
                    event, buffer = buffer.split(b"\n\n", 1)
                    now = time.monotonic()
                    if b"data:" not in event:
                        continue
                    client.documents += 1
                    client.bytes += len(event)
                    self.bins[int(now * 10)] += 1
                    found = MARKER.search(event)
                    marker = found.group().decode() if found else ""
                    if marker != last:  # (marker, monotonic, wall clock, the document's generated_at)
                        generated = GENERATED.search(event)
                        client.transitions.append((marker, now, time.time(),
                                                   float(generated.group(1)) if generated else 0.0))
                        last = marker
                    self.first[index].set()
                chunk = await read_chunk(reader)
                if not chunk:
                    raise RuntimeError("stream ended")
                buffer += chunk
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one client's failure is a result, not a crash
            client.error = f"{type(exc).__name__}: {exc}"
            self.first[index].set()


async def main(host: str, port: int, token: str, count: int) -> None:
    fleet = Fleet(host, port, token, count)
    gate = asyncio.Semaphore(CONNECT_BATCH)
    tasks = [asyncio.create_task(fleet.follow(i, gate)) for i in range(count)]
    await asyncio.gather(*(event.wait() for event in fleet.first))
    failed = sum(1 for c in fleet.clients if c.error)
    print(f"READY {count - failed} {failed}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    times = os.times()
    print(json.dumps({
        "cpu_s": times.user + times.system,
        "bins": {str(k): v for k, v in fleet.bins.items()},
        "clients": [{"transitions": c.transitions, "documents": c.documents, "bytes": c.bytes,
                     "connect_s": c.connect_s, "error": c.error} for c in fleet.clients],
    }), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), os.environ["BENCH_TOKEN"], int(sys.argv[3])))
