"""Closed-loop search clients (HTTP/1.1 keep-alive) for the knowledge section, run as a child process.

    BENCH_TOKEN=… python -m bench.sections._querygen HOST PORT CONCURRENCY ROUNDS < paths.json

Each of CONCURRENCY connections goes through the list of paths (a JSON list on stdin), starting at its own offset,
ROUNDS + 1 times; the first pass is the warm-up (not timed: requests/s is over the timed requests' span) and
records for each path how many results it found. Prints one JSON line: latencies (ms) p50/p95/p99/max,
requests/s, statuses, errors, hits.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from typing import Any

from bench.sections._httpkit import percentile, read_body, read_head, request_bytes


async def client(host: str, port: int, token: str, paths: list[str], offset: int, rounds: int,
                 out: dict[str, Any]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for n in range(len(paths) * (rounds + 1)):
            warm = n < len(paths)
            path = paths[(offset + n) % len(paths)]
            sent = time.perf_counter()
            try:
                writer.write(request_bytes("GET", path, host, token))
                status, headers = await read_head(reader)
                body = await read_body(reader, headers)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                out["errors"][type(exc).__name__] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            elapsed = time.perf_counter() - sent
            if warm:
                if offset == 0:  # one client notes what each query finds
                    out["hits"][path] = _hits(status, body)
                continue
            out["latencies"].append(elapsed)
            out["span"][0] = min(out["span"][0], sent)
            out["span"][1] = max(out["span"][1], sent + elapsed)
            out["statuses"][status] += 1
    finally:
        writer.close()


def _hits(status: int, body: bytes) -> int | None:
    if status != 200:
        return None
    try:
        return len(json.loads(body).get("results", []))
    except (ValueError, AttributeError):
        return None


async def main(host: str, port: int, concurrency: int, rounds: int) -> None:
    paths: list[str] = json.loads(sys.stdin.read())
    token = os.environ["BENCH_TOKEN"]
    out: dict[str, Any] = {"latencies": [], "statuses": Counter(), "errors": Counter(), "hits": {},
                           "span": [float("inf"), 0.0]}
    # The warm-up pass of client 0 first (it notes the hits), then everyone at once.
    started = time.monotonic()
    cpu0 = sum(os.times()[:2])
    await asyncio.gather(*(client(host, port, token, paths, i * len(paths) // concurrency, rounds, out)
                           for i in range(concurrency)))
    wall = time.monotonic() - started
    cpu = sum(os.times()[:2]) - cpu0
    lat = out["latencies"]
    span = out["span"][1] - out["span"][0] if lat else 0.0

    def ms(pct: float) -> float | None:
        value = percentile(lat, pct)
        return None if value is None else round(value * 1000, 2)

    print(json.dumps({
        "requests": len(lat), "requests_per_s": round(len(lat) / span, 1) if span > 0 else None,
        "latency": {"count": len(lat), "p50_ms": ms(50), "p95_ms": ms(95), "p99_ms": ms(99),
                    "max_ms": round(max(lat) * 1000, 2) if lat else None},
        "statuses": {str(k): v for k, v in out["statuses"].items()}, "errors": dict(out["errors"]),
        "hits": out["hits"], "generator_cpu_pct_of_one_core": round(100 * cpu / wall, 1) if wall else None,
    }), flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], int(a[1]), int(a[2]), int(a[3])))
