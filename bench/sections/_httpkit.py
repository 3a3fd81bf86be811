"""Shared bits of the HTTP sections (fanout, api): a minimal HTTP/1.1 client on raw asyncio streams, CPU time of
processes from /proc, percentiles, and how to reach the stack's service.

The load generators run in their own processes (`python -m bench.sections._sseclients` / `_loadgen`), so they are
plain asyncio with no imports from allo: a small client keeps their CPU cost (they share the 2 cores) low and known.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_TICKS = os.sysconf("SC_CLK_TCK")
REPO = Path(__file__).resolve().parents[2]


# -- numbers ---------------------------------------------------------------------------------------------------
def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """count, p50, p99, max of durations given in seconds, in milliseconds."""
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 2)
    return {"count": len(seconds), "p50_ms": ms(percentile(seconds, 50)), "p99_ms": ms(percentile(seconds, 99)),
            "max_ms": ms(max(seconds) if seconds else None)}


def fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if abs(value) >= 10 else f"{value:.2f}{unit}"
    return f"{value}{unit}"


# -- processes -------------------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def children_cpu_seconds(parent: int) -> float:
    """CPU time of `parent` and its children, live or exited (PostgreSQL: postmaster + backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == parent:  # with its reaped children (cutime, cstime): backends that exited
            total += sum(int(f) for f in fields[11:15]) / _TICKS
        elif int(fields[1]) == parent:
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


class CpuMeter:
    """CPU used by a set of processes between start() and stop(), as % of one core."""

    def __init__(self, pids: dict[str, int], with_children: frozenset[str] = frozenset()) -> None:
        self._pids = pids
        self._children = with_children
        self._start: dict[str, float] = {}
        self._t0 = 0.0

    def _read(self, name: str, pid: int) -> float:
        try:
            return children_cpu_seconds(pid) if name in self._children else cpu_seconds(pid)
        except OSError:
            return 0.0

    def start(self) -> None:
        self._t0 = _now()
        self._start = {name: self._read(name, pid) for name, pid in self._pids.items()}

    def stop(self) -> dict[str, float]:
        elapsed = max(_now() - self._t0, 1e-6)
        return {name: round(100 * (self._read(name, pid) - self._start[name]) / elapsed, 1)
                for name, pid in self._pids.items()}


class MachineMeter:
    """Whole-machine CPU busy (all cores, % of the machine) and load average between start() and stop(): the
    context of every figure (other processes on the same cores)."""

    def __init__(self) -> None:
        self._start = (0, 0)

    @staticmethod
    def _read() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values) - idle, sum(values)

    def start(self) -> None:
        self._start = self._read()

    def stop(self) -> dict[str, float]:
        busy, total = self._read()
        pct = 100 * (busy - self._start[0]) / max(total - self._start[1], 1)
        return {"machine_busy_pct": round(pct, 1), "loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0]),
                "cores": os.cpu_count() or 0}


def _now() -> float:
    return time.monotonic()


# -- the stack --------------------------------------------------------------------------------------------------
def service_pid(stack: Any) -> int:
    pid = getattr(stack, "service_pid", None)
    if callable(pid):
        pid = pid()
    return int(pid) if pid is not None else int(stack.service.proc.pid)


def service(stack: Any) -> Any:
    """The ServiceProcess-like object: .base_url, .headers(role)."""
    return getattr(stack, "service", stack)


def base_url(stack: Any) -> str:
    return str(service(stack).base_url)


def postgres_pid(stack: Any) -> int | None:
    """The postmaster's pid, from postmaster.pid in the cluster's data dir."""
    for candidate in (getattr(stack, "postgres", None), getattr(stack, "pg", None)):
        data_dir = getattr(candidate, "data_dir", None)
        if data_dir is not None:
            try:
                return int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                return None
    return None


def bearer(stack: Any, role: Any) -> str:
    header: str = service(stack).headers(role)["Authorization"]
    return header.removeprefix("Bearer ")


def host_port(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


async def run_child(module: str, args: Sequence[str], token: str) -> asyncio.subprocess.Process:
    """`python -m bench.sections.<module> args…` with pipes: a separate process from the service and the bench.
    The bearer token goes in the environment (BENCH_TOKEN), not on the command line."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"bench.sections.{module}", *args, cwd=REPO, env={**os.environ, "BENCH_TOKEN": token},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


# -- HTTP/1.1 on asyncio streams (used by the child processes) --------------------------------------------------
def request_bytes(method: str, path: str, host: str, token: str, extra: str = "") -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"{extra}\r\n").encode()


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    return status, headers


async def read_chunk(reader: asyncio.StreamReader) -> bytes:
    """One chunk of a chunked body; b"" for the last one."""
    size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
    data = await reader.readexactly(size + 2)
    return data[:-2]


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while chunk := await read_chunk(reader):
            parts.append(chunk)
        await reader.readuntil(b"\r\n")  # no trailers
        return b"".join(parts)
    return await reader.read()
