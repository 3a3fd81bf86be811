"""Closed-loop search clients (HTTP/1.1 keep-alive) for the knowledge section, run as a child process.

    BENCH_TOKEN=… python -m bench.sections._querygen HOST PORT CONCURRENCY SECONDS [THINK_S] < paths.json

Each of CONCURRENCY connections goes through the list of paths (a JSON list on stdin) from its own offset, again
and again, until SECONDS have passed (a slow search must not make the section last minutes). Each connection's
first request is its warm-up (not timed); the first answer to each path gives how many results it found.
THINK_S > 0 makes the clients paced (an open-ish loop, advisers typing): after each answer a client waits an
exponentially distributed think time of mean THINK_S before its next query (not timed), so 16 clients with 1 s
offer ~16 queries/s whatever the latency; 0 (default): closed loop, each client sends again at once (saturation).
Prints one JSON line: latencies (ms) p50/p95/p99/max, requests/s over the timed span, statuses, errors, hits.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from typing import Any

from bench.sections._httpkit import percentile, read_body, read_head, request_bytes


async def client(host: str, port: int, token: str, paths: list[str], offset: int, deadline: float,
                 out: dict[str, Any], think: float = 0.0) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    rng = random.Random(offset)  # the same think times from run to run
    n = 0
    retry = False  # sending the last request again on a new connection: no think time before it
    try:
        while time.perf_counter() < deadline:
            if think > 0 and n > 0 and not retry:
                await asyncio.sleep(rng.expovariate(1 / think))
                if time.perf_counter() >= deadline:
                    break
            path = paths[(offset + n) % len(paths)]
            n += 1
            sent = time.perf_counter()
            try:
                writer.write(request_bytes("GET", path, host, token))
                status, headers = await read_head(reader)
                body = await read_body(reader, headers)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                if think > 0 and isinstance(exc, asyncio.IncompleteReadError) and not retry:
                    # the server closed a keep-alive connection idle past its timeout (uvicorn: 5 s; a think time
                    # of mean 1 s exceeds it now and then): as a browser does, send again on a new connection
                    out["reconnects"] += 1
                    n -= 1
                    retry = True
                else:
                    out["errors"][type(exc).__name__] += 1
                    retry = False
                continue
            retry = False
            elapsed = time.perf_counter() - sent
            if path not in out["hits"]:
                out["hits"][path] = _hits(status, body)
            if n == 1:
                continue  # the connection's warm-up
            out["latencies"].append(elapsed)
            out["by_path"].setdefault(path, []).append(elapsed)
            out["statuses"][status] += 1
            out["span"][0] = min(out["span"][0], sent)
            out["span"][1] = max(out["span"][1], sent + elapsed)
    finally:
        writer.close()


def slowest(by_path: dict[str, list[float]], count: int = 5) -> list[dict[str, Any]]:
    """The `count` paths with the highest median latency: which queries to look at first."""
    medians = sorted(((percentile(v, 50) or 0.0, p, len(v)) for p, v in by_path.items()), reverse=True)
    return [{"path": p, "p50_ms": round(m * 1000, 1), "count": n} for m, p, n in medians[:count]]


def _hits(status: int, body: bytes) -> int | None:
    if status != 200:
        return None
    try:
        return len(json.loads(body).get("results", []))
    except (ValueError, AttributeError):
        return None


async def main(host: str, port: int, concurrency: int, seconds: float, think: float = 0.0) -> None:
    paths: list[str] = json.loads(sys.stdin.read())
    token = os.environ["BENCH_TOKEN"]
    out: dict[str, Any] = {"latencies": [], "statuses": Counter(), "errors": Counter(), "reconnects": 0,
                           "hits": {}, "by_path": {},
                           "span": [float("inf"), 0.0]}
    started = time.monotonic()
    deadline = time.perf_counter() + seconds
    cpu0 = sum(os.times()[:2])
    await asyncio.gather(*(client(host, port, token, paths, i * len(paths) // concurrency, deadline, out, think)
                           for i in range(concurrency)))
    wall = time.monotonic() - started
    cpu = sum(os.times()[:2]) - cpu0
    lat = out["latencies"]
    span = out["span"][1] - out["span"][0] if lat else 0.0

    def ms(pct: float) -> float | None:
        value = percentile(lat, pct)
        return None if value is None else round(value * 1000, 2)

    print(json.dumps({
        "think_s": think, "requests": len(lat), "requests_per_s": round(len(lat) / span, 1) if span > 0 else None,
        "latency": {"count": len(lat), "p50_ms": ms(50), "p95_ms": ms(95), "p99_ms": ms(99),
                    "max_ms": round(max(lat) * 1000, 2) if lat else None},
        "statuses": {str(k): v for k, v in out["statuses"].items()}, "errors": dict(out["errors"]),
        "reconnects": out["reconnects"],
        "hits": out["hits"], "slowest": slowest(out["by_path"]),
        "generator_cpu_pct_of_one_core": round(100 * cpu / wall, 1) if wall else None,
    }), flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]) if len(a) > 4 else 0.0))
