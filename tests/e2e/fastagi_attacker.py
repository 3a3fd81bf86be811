"""A hostile FastAGI peer in its own process (so that its sockets and CPU are not the test's event loop).

    python tests/e2e/fastagi_attacker.py HOST PORT --idle 1000 --seconds 120

Until SIGTERM (or `--seconds`, a hard bound): keeps `--idle` connections open that send nothing (each re-opened as
soon as the server closes it, i.e. after its header timeout), one slow client trickling a header block a byte at a
time, over-long lines, non-UTF-8 header blocks, and connections closed before or in the middle of their headers.
Prints `ready <n>` once the first `--idle` connections are open, then one JSON line with what it did and saw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

TRICKLE = b"agi_network: yes\nagi_network_script: ivr\nagi_uniqueid: 1.1\nagi_channel: PJSIP/x\n\n"
TRICKLE_EVERY_S = 0.3
LONG_LINES = (b"agi_network_script: " + b"y" * 20_000, b"x" * 100_000 + b"\n")
NON_UTF8 = (
    b"agi_network: yes\nagi_network_script: \xff\xfe\xfa\nagi_uniqueid: \x80\x81\x82\nagi_callerid: caf\xe9\n\n",
    b"\xff\xfe\x80\x00garbage\xc3\n",
    b"agi_\xe9t\xe9: caf\xe9\n\n",
)
PARTIAL = b"agi_network: yes\nagi_network_scr"
BURST_EVERY_S = 0.1  # each of the short-lived attacks, once per this period


@dataclass
class Tally:
    idle_target: int
    idle_open_now: int = 0
    idle_open_max: int = 0
    idle_opened: int = 0
    idle_closed_by_server: int = 0
    idle_lifetimes_s: list[float] = field(default_factory=list)
    connect_errors: int = 0
    trickled_bytes: int = 0
    trickler_cut_off: int = 0
    trickler_completed: int = 0  # a full header block got through (the server should cut it off first)
    short: dict[str, int] = field(default_factory=dict)  # attack -> connections made
    closed_ms: dict[str, list[float]] = field(default_factory=dict)  # attack -> server's time to close
    not_closed: dict[str, int] = field(default_factory=dict)  # attack -> connections the server left open

    def summary(self) -> dict[str, Any]:
        def p(values: list[float], q: float) -> float | None:
            if not values:
                return None
            ordered = sorted(values)
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

        return {
            "idle_target": self.idle_target, "idle_open_max": self.idle_open_max, "idle_opened": self.idle_opened,
            "idle_closed_by_server": self.idle_closed_by_server,
            "idle_lifetime_s_median": round(statistics.median(self.idle_lifetimes_s), 2)
            if self.idle_lifetimes_s else None,
            "connect_errors": self.connect_errors, "trickled_bytes": self.trickled_bytes,
            "trickler_cut_off": self.trickler_cut_off, "trickler_completed": self.trickler_completed,
            "short": self.short, "not_closed": self.not_closed,
            "closed_ms_p50": {k: p(v, 0.5) for k, v in self.closed_ms.items()},
            "closed_ms_max": {k: p(v, 1.0) for k, v in self.closed_ms.items()},
        }


async def _connect(host: str, port: int, tally: Tally) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    try:
        return await asyncio.open_connection(host, port)
    except OSError:
        tally.connect_errors += 1
        await asyncio.sleep(0.05)
        return None


async def _until_closed(reader: asyncio.StreamReader, timeout: float) -> bool:
    """True when the server closed the connection within `timeout` (anything it sends is read and dropped)."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        writer.transport.abort()


async def idle_slot(host: str, port: int, tally: Tally, stop: asyncio.Event, opened: asyncio.Event) -> None:
    first = True
    while not stop.is_set():
        pair = await _connect(host, port, tally)
        if pair is None:
            continue
        reader, writer = pair
        tally.idle_opened += 1
        tally.idle_open_now += 1
        tally.idle_open_max = max(tally.idle_open_max, tally.idle_open_now)
        if first and tally.idle_opened >= tally.idle_target:
            opened.set()
        first = False
        started = time.monotonic()
        reading = asyncio.ensure_future(_until_closed(reader, 3600))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if reading.done() and reading.result():
                tally.idle_closed_by_server += 1
                tally.idle_lifetimes_s.append(time.monotonic() - started)
        finally:
            for task in (reading, stopping):
                task.cancel()
            tally.idle_open_now -= 1
            _close(writer)


async def trickler(host: str, port: int, tally: Tally, stop: asyncio.Event) -> None:
    while not stop.is_set():
        pair = await _connect(host, port, tally)
        if pair is None:
            continue
        reader, writer = pair
        reading = asyncio.ensure_future(_until_closed(reader, 3600))
        try:
            for byte in TRICKLE:
                if stop.is_set() or reading.done():
                    break
                try:
                    writer.write(bytes([byte]))
                    await writer.drain()
                except OSError:
                    break
                tally.trickled_bytes += 1
                await asyncio.sleep(TRICKLE_EVERY_S)
            else:
                tally.trickler_completed += 1
            if not stop.is_set():
                await asyncio.wait({reading}, timeout=10)
                if reading.done():
                    tally.trickler_cut_off += 1
        finally:
            reading.cancel()
            _close(writer)


async def one_shot(name: str, payload: bytes, host: str, port: int, tally: Tally, close_at_once: bool) -> None:
    """Send `payload`, then either close at once or see how long the server takes to close the connection."""
    pair = await _connect(host, port, tally)
    if pair is None:
        return
    reader, writer = pair
    tally.short[name] = tally.short.get(name, 0) + 1
    try:
        sent = time.monotonic()
        with contextlib.suppress(OSError):
            writer.write(payload)
            await writer.drain()
        if close_at_once:
            return
        if await _until_closed(reader, 10):
            tally.closed_ms.setdefault(name, []).append((time.monotonic() - sent) * 1000)
        else:
            tally.not_closed[name] = tally.not_closed.get(name, 0) + 1
    finally:
        _close(writer)


async def bursts(host: str, port: int, tally: Tally, stop: asyncio.Event) -> None:
    pending: set[asyncio.Task[None]] = set()
    shots = [("long_line", line, False) for line in LONG_LINES]
    shots += [("non_utf8", block, False) for block in NON_UTF8]
    shots += [("closed_before_headers", b"", True), ("closed_mid_headers", PARTIAL, True)]
    while not stop.is_set():
        for name, payload, close_at_once in shots:
            task = asyncio.create_task(one_shot(name, payload, host, port, tally, close_at_once))
            pending.add(task)
            task.add_done_callback(pending.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), BURST_EVERY_S)
    if pending:
        await asyncio.wait(pending, timeout=11)


async def attack(host: str, port: int, idle: int, seconds: float) -> dict[str, Any]:
    tally, stop, opened = Tally(idle), asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.call_later(seconds, stop.set)
    tasks = [asyncio.create_task(idle_slot(host, port, tally, stop, opened)) for _ in range(idle)]
    await asyncio.wait({asyncio.ensure_future(opened.wait()), asyncio.ensure_future(stop.wait())},
                       return_when=asyncio.FIRST_COMPLETED)
    print(f"ready {tally.idle_open_now}", flush=True)
    tasks += [asyncio.create_task(trickler(host, port, tally, stop)),
              asyncio.create_task(bursts(host, port, tally, stop))]
    await stop.wait()
    _, late = await asyncio.wait(tasks, timeout=2)
    for task in late:  # a connection still being made or read: dropped, the tally is what counts
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return tally.summary()


def raise_nofile(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    limit = raise_nofile(args.idle + 200)
    if limit < args.idle + 50:
        print(f"RLIMIT_NOFILE {limit} is too low for {args.idle} idle connections", file=sys.stderr)
        return 2
    summary = asyncio.run(attack(args.host, args.port, args.idle, args.seconds))
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
