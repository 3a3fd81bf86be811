"""Closed-loop HTTP/1.1 load generator (keep-alive), run by the api section as a child process.

    BENCH_TOKEN=… python -m bench.sections._loadgen HOST PORT PATH CONCURRENCY SECONDS WARMUP

CONCURRENCY connections each send a request as soon as the previous answer is read. Only requests that start
after WARMUP seconds and end before WARMUP + SECONDS count. Prints one JSON line: requests, requests/s, latency
p50/p99/max, status counts, errors, and this process's own CPU during the measured window.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter

from bench.sections._httpkit import read_body, read_head, request_bytes, summary_ms


async def worker(host: str, port: int, request: bytes, start: float, end: float, latencies: list[float],
                 statuses: Counter[int], errors: Counter[str], sizes: list[int]) -> None:
    reader = writer = None
    while time.monotonic() < end:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            sent = time.monotonic()
            writer.write(request)
            status, headers = await read_head(reader)
            body = await read_body(reader, headers)
            done = time.monotonic()
            if sent >= start and done <= end:
                latencies.append(done - sent)
                statuses[status] += 1
                sizes.append(len(body))
            if headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[type(exc).__name__] += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def main(host: str, port: int, path: str, concurrency: int, seconds: float, warmup: float) -> None:
    request = request_bytes("GET", path, host, os.environ["BENCH_TOKEN"])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    sizes: list[int] = []
    begin = time.monotonic()
    start, end = begin + warmup, begin + warmup + seconds
    tasks = [asyncio.create_task(worker(host, port, request, start, end, latencies, statuses, errors, sizes))
             for _ in range(concurrency)]
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu0 = sum(os.times()[:2])
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    cpu1 = sum(os.times()[:2])
    await asyncio.gather(*tasks)
    print(json.dumps({
        "requests": len(latencies), "requests_per_s": round(len(latencies) / seconds, 1),
        "latency": summary_ms(latencies), "statuses": {str(k): v for k, v in statuses.items()},
        "errors": dict(errors), "body_bytes_mean": round(sum(sizes) / len(sizes)) if sizes else None,
        "generator_cpu_pct_of_one_core": round(100 * (cpu1 - cpu0) / seconds, 1),
    }), flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], int(a[1]), a[2], int(a[3]), float(a[4]), float(a[5])))
