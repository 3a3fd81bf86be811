"""Section 5 — API: requests/s and latency of `GET /api/queues` and the rules read endpoints.

A closed-loop keep-alive HTTP/1.1 generator (`_loadgen`, one child process per run) sends GETs with a bearer token
at a few concurrency levels. It shares the 2 cores with the service, PostgreSQL and Asterisk: its own CPU and the
whole machine's are measured and reported. Every authenticated request looks its token up in PostgreSQL
(allo/auth/store.py); `/healthz` (public, one `SELECT 1`) and an in-process timing of that lookup show its share.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from allo.auth.roles import Role
from allo.auth.store import AuthStore
from allo.db.engine import make_engine
from bench.sections._httpkit import (
    CpuMeter,
    MachineMeter,
    base_url,
    bearer,
    fmt,
    host_port,
    postgres_pid,
    run_child,
    service_pid,
    summary_ms,
)

# (path, role of the token, what it does besides authenticating)
ENDPOINTS: list[tuple[str, Role | None, str]] = [
    ("/api/queues", Role.SUPERVISOR, "live state + today's counts (one query)"),
    ("/api/rules/version", Role.SUPERVISOR, "in memory"),
    ("/api/rules/current", Role.SUPERVISOR, "latest version row + validation"),
    ("/api/rules/versions", Role.OPS, "list of versions"),
    ("/healthz", None, "reference: no authentication, one SELECT 1"),
]


def plan(quick: bool) -> dict[str, Any]:
    if quick:
        return {"concurrency": [1, 16, 64], "seconds": 3.0, "warmup": 1.0, "auth_lookups": 300}
    return {"concurrency": [1, 16, 128], "seconds": 8.0, "warmup": 1.5, "auth_lookups": 2000}


async def one_run(stack: Any, path: str, token: str, concurrency: int, params: dict[str, Any],
                  meter: CpuMeter) -> dict[str, Any]:
    host, port = host_port(base_url(stack))
    args = [host, str(port), path, str(concurrency), str(params["seconds"]), str(params["warmup"])]
    child = await run_child("_loadgen", args, token)
    machine = MachineMeter()
    await asyncio.sleep(params["warmup"] + 0.3)  # the child's start-up (~0.3 s) plus its warm-up
    meter.start()
    machine.start()
    await asyncio.sleep(params["seconds"] - 0.6)
    cpu = meter.stop()
    load = machine.stop()
    out, err = await asyncio.wait_for(child.communicate(), params["seconds"] + params["warmup"] + 60)
    if child.returncode != 0:
        raise RuntimeError(f"load generator failed: {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out)
    result.update({"concurrency": concurrency, "cpu_pct_of_one_core": cpu, **load})
    rps = result["requests_per_s"]
    result["service_cpu_us_per_request"] = round(cpu["service"] * 10_000 / rps) if rps else None
    return result


async def auth_lookup_cost(stack: Any, token: str, count: int) -> dict[str, Any]:
    """The bearer lookup the service does on every request, timed here in a quiet process (wall and CPU)."""
    engine = make_engine(stack.settings)
    store = AuthStore(engine)
    try:
        for _ in range(20):
            assert await store.from_bearer(token) is not None
        walls: list[float] = []
        cpu0 = time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            await store.from_bearer(token)
            walls.append(time.perf_counter() - started)
        cpu_ms = (time.process_time() - cpu0) * 1000 / count
    finally:
        await engine.dispose()
    return {"lookups": count, "wall": summary_ms(walls), "python_cpu_ms_per_lookup": round(cpu_ms, 3)}


async def run(stack: Any, quick: bool) -> dict[str, Any]:
    params = plan(quick)
    if os.environ.get("BENCH_API_CONCURRENCY"):  # development: other levels
        params["concurrency"] = [int(c) for c in os.environ["BENCH_API_CONCURRENCY"].split(",")]
    tokens = {role: bearer(stack, role) for role in {Role.SUPERVISOR, Role.OPS}}
    pids = {"service": service_pid(stack)}
    pg = postgres_pid(stack)
    if pg:
        pids["postgres"] = pg
    meter = CpuMeter(pids, frozenset({"postgres"}))
    runs = []
    for path, role, what in ENDPOINTS:
        for concurrency in params["concurrency"]:
            result = await one_run(stack, path, tokens[role] if role else "-", concurrency, params, meter)
            runs.append({"path": path, "role": role.value if role else "public", "what": what, **result})
    auth = await auth_lookup_cost(stack, tokens[Role.SUPERVISOR], params["auth_lookups"])
    return {"parameters": {**params, "command": "python -m bench.sections._loadgen HOST PORT PATH CONCURRENCY "
                           f"{params['seconds']} {params['warmup']} (BENCH_TOKEN in the environment)",
                           "generator": "closed loop, HTTP/1.1 keep-alive, raw asyncio streams, one process"},
            "runs": runs, "auth_lookup": auth}


def render(result: dict[str, Any]) -> str:
    p = result["parameters"]
    lines = [f"Closed-loop load ({p['generator']}), {fmt(p['seconds'])} s per run after {fmt(p['warmup'])} s of "
             "warm-up, at concurrency " + ", ".join(str(c) for c in p["concurrency"]) + ". The generator shares the "
             "2 cores with the service, PostgreSQL and Asterisk: its CPU and the whole machine's are in the table "
             "(CPU as % of one core; machine busy as % of all cores).", "",
             "| endpoint | token | conc. | req/s | p50 / p99 / max (ms) | non-2xx / errors | CPU: service / "
             "PostgreSQL / generator | service µs/req | machine busy |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in result["runs"]:
        lat = r["latency"]
        bad = sum(v for k, v in r["statuses"].items() if not k.startswith("2"))
        cpu = r["cpu_pct_of_one_core"]
        lines.append(f"| `{r['path']}` | {r['role']} | {r['concurrency']} | {fmt(r['requests_per_s'])} | "
                     f"{fmt(lat['p50_ms'])} / {fmt(lat['p99_ms'])} / {fmt(lat['max_ms'])} | "
                     f"{bad} / {sum(r['errors'].values())} | {fmt(cpu.get('service'))} / {fmt(cpu.get('postgres'))} / "
                     f"{fmt(r['generator_cpu_pct_of_one_core'])} | {fmt(r['service_cpu_us_per_request'])} | "
                     f"{fmt(r['machine_busy_pct'], ' %')} |")
    auth = result["auth_lookup"]
    lines += ["", f"Bearer-token lookup (`AuthStore.from_bearer`, one SELECT … JOIN through the ORM, timed in the "
              f"bench process, {auth['lookups']} in a row): p50 {fmt(auth['wall']['p50_ms'])} ms, p99 "
              f"{fmt(auth['wall']['p99_ms'])} ms, {fmt(auth['python_cpu_ms_per_lookup'])} ms of Python CPU each."]
    lines += ["", analysis(result)]
    return "\n".join(lines) + "\n"


def analysis(result: dict[str, Any]) -> str:
    """Where the service's CPU per request goes: the token lookup, against /healthz and each endpoint's own work."""
    def best(path: str) -> dict[str, Any] | None:
        runs = [r for r in result["runs"] if r["path"] == path and r["service_cpu_us_per_request"]]
        return max(runs, key=lambda r: r["requests_per_s"]) if runs else None
    version, health = best("/api/rules/version"), best("/healthz")
    auth_ms = result["auth_lookup"]["python_cpu_ms_per_lookup"]
    if not version or not health:
        return ""
    base = version["service_cpu_us_per_request"] / 1000
    own = []
    for path, _role, _what in ENDPOINTS:
        run = best(path)
        if run and path not in ("/api/rules/version", "/healthz"):
            own.append(f"`{path}` {fmt(run['service_cpu_us_per_request'] / 1000 - base)} ms")
    return (f"`/api/rules/version` does nothing but authenticate (its handler reads memory): best "
            f"{fmt(version['requests_per_s'])} req/s at {fmt(base)} ms of service CPU per request; the bearer lookup "
            f"alone costs ≈ {fmt(auth_ms)} ms of Python CPU (SQLAlchemy ORM + asyncpg round trip), i.e. "
            f"≈ {min(100.0, 100 * auth_ms / base):.0f} % of it. `/healthz` (no token, one `SELECT 1`) costs "
            f"{fmt(health['service_cpu_us_per_request'] / 1000)} ms: one PostgreSQL round trip through SQLAlchemy, "
            "whatever it asks, is the price of a cheap request. So authentication dominates the cheap endpoints; "
            "the others add their own work on top (service CPU beyond authentication: " + ", ".join(own) + "), "
            "mostly their queries and, for `/api/rules/current`, validating the whole rules document with pydantic "
            "on every read. "
            "What would move it, without changing what a token means: a short-lived in-process cache of token → "
            "principal (a few seconds; revocation and logout clear it in-process, other processes wait out the "
            "few seconds), caching the validated current rules document per version, and httptools instead of h11 "
            "for the HTTP parsing. Rates are on a machine the generator and PostgreSQL share: the CPU columns, not "
            "the req/s, are the figures to compare between runs.")
