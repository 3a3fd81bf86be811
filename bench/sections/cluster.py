"""Section 9 — one node behind Kamailio: the whole journey of section 1 through allo's SIP proxy against the same
load straight to Asterisk, in the same run, at rising rates (docs/scaling.md, « The road to many »).

Kamailio runs with allo's configuration (kamailio-conf/kamailio.cfg: trunk by source address, dispatcher set with
the bench's Asterisk as its one node, record-route, digest for everyone else). Each rate is run twice, interleaved
(the first path alternating from rate to rate): `direct` (SIPp to Asterisk, as section 1) and `proxy` (SIPp to
Kamailio, which relays to Asterisk; the citizen's ACK, INFO and the BYE follow the record-route). A step passes as
in section 1: every call completed, every caller queued and connected, nothing left over. A path stops at its
first failed rate (a failed step below the last rate is run once more first: the machine is shared). Measured per
step: calls held, the most calls up at once (SIPp's CurrentCall), post-dial delay, CPU of Asterisk, allo,
Kamailio (all its processes) and PostgreSQL (postmaster and backends), the requests Kamailio received, the rows
PostgreSQL wrote and the machine's load average. The planning figures of `allo cluster size --bench` come from
the passing steps.
"""

from __future__ import annotations

import asyncio
import csv
import time
from pathlib import Path
from typing import Any

from bench.load import CitizenLoad
from bench.sections import _kamailio
from bench.sections._httpkit import CpuMeter
from bench.sections.cluster_render import render
from bench.sections.journey import drive, machine_busy, quantile
from bench.stack import BenchStack

__all__ = ["render", "run"]

PATHS = ("direct", "proxy")
FULL = {"rates": [40, 70, 100], "step_s": 15}
QUICK = {"rates": [10, 25], "step_s": 8}
# The machine is shared (other processes, other worktrees' tests): a failed step is run once more on a restarted
# Asterisk before the path stops; both attempts are reported.
RETRIES = 1
# One Kamailio, and one PostgreSQL primary, are planned at half of one core (the rest is headroom for bursts,
# retransmissions, checkpoints and the reports' reads).
PLANNED_CORE = 0.5
# The bench's advisers register on Asterisk, so only the citizen's leg crosses the proxy here; in the cluster the
# adviser's leg crosses it too (INVITE, ACK, BYE and their replies): planned as twice the measured leg.
LEGS_PER_CALL = 2


def max_current_calls(stat_csv: Path) -> int:
    """The most calls SIPp had up at once (CurrentCall in its per-second statistics)."""
    try:
        rows = list(csv.DictReader(stat_csv.read_text(errors="replace").splitlines(), delimiter=";"))
    except FileNotFoundError:
        return 0
    values = []
    for row in rows:
        try:
            values.append(int(float(row.get("CurrentCall", "") or 0)))
        except ValueError:
            continue
    return max(values, default=0)


def load_average() -> float:
    """The machine's 1-minute load average at the end of a step: how many others were running beside the bench."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def journey_counts(events: list[Any]) -> tuple[int, int, int]:
    """(callers queued in l1, callers connected to an agent, abandons) among the AMI events of a step."""
    joins = sum(1 for e in events if e.name == "QueueCallerJoin" and e.fields.get("Queue") == "l1")
    connects = sum(1 for e in events if e.name == "AgentConnect")
    abandons = sum(1 for e in events if e.name == "QueueCallerAbandon")
    return joins, connects, abandons


async def run_step(stack: BenchStack, proxy: Any, path: str, rate: float, seconds: float,
                   rows0: int) -> dict[str, Any]:
    """One step; `rows0`: the rows written so far (the previous step's settled count, read once)."""
    port = proxy.conf.port if path == "proxy" else stack.settings.sip_port
    workdir = stack.state_dir / "sipp" / f"cluster-{path}-{rate:g}-{time.monotonic_ns()}"
    load = CitizenLoad(port, stack.numbers["allo"], rate, seconds, workdir, via_proxy=path == "proxy",
                       caller_prefix=f"07{int(rate) % 100:02d}{PATHS.index(path)}")
    pids = {"asterisk": stack.asterisk_pid(), "allo": stack.service_pid(), "kamailio": proxy.pid() or 0,
            "postgresql": _kamailio.postmaster_pid(stack) or 0}
    meter = CpuMeter(pids, with_children=frozenset({"kamailio", "postgresql"}))
    sip0 = await asyncio.to_thread(_kamailio.request_counts, proxy)
    busy0, mark, t0 = machine_busy(), stack.watch.mark(), time.monotonic()
    meter.start()
    result, aborted = await drive(stack, load, mark)
    cpu, wall = meter.stop(), time.monotonic() - t0
    busy1 = machine_busy()
    await asyncio.sleep(0.5)
    joins, connects, abandons = journey_counts(stack.watch.since(mark))
    left_over = aborted is None and not await stack.idle(30)
    sip1 = await asyncio.to_thread(_kamailio.request_counts, proxy)
    rows1 = await asyncio.to_thread(_kamailio.rows_settled, stack)
    ok = (aborted is None and result.returncode == 0 and result.failed == 0 and result.succeeded == load.calls
          and abandons == 0 and joins == load.calls and connects >= load.calls and not left_over)
    sip = {k: sip1[k] - sip0.get(k, 0) for k in sip1} if sip0 is not None and sip1 is not None else None
    step = {"path": path, "rate": rate, "seconds": seconds, "ok": ok, "aborted": aborted, "planned": load.calls,
            "attempted": result.created, "succeeded": result.succeeded, "failed": result.failed,
            "abandoned": abandons, "queue_joins": joins, "agent_connects": connects, "left_over_channels": left_over,
            "max_concurrent": max_current_calls(workdir / "stat.csv"), "wall_s": round(wall, 1),
            "post_dial_ms": {"p50": quantile(result.post_dial_ms, 0.5), "p99": quantile(result.post_dial_ms, 0.99)},
            "cpu_pct": cpu, "cpu_s": {k: round(v * wall / 100, 2) for k, v in cpu.items()},
            "machine_busy_pct": round(100 * (busy1[0] - busy0[0]) / max(1.0, busy1[1] - busy0[1]), 1),
            "load_average": load_average(),
            "kamailio_sip": sip, "rows_written": rows1 - rows0, "rows_total": rows1,
            "command": " ".join(load.command())}
    if not ok:
        step["errors_tail"] = result.errors_tail[-1500:]
    print(f"[cluster] {path:6} {rate:4g}/s {seconds:3g}s {'PASS' if ok else 'FAIL'} {result.succeeded}/{load.calls}"
          f" ok, at once {step['max_concurrent']}; asterisk {cpu['asterisk']}% kamailio {cpu['kamailio']}% "
          f"postgresql {cpu['postgresql']}%", flush=True)
    return step


def summarize(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Per path: the highest rate passed and the most calls up at once in a passing step; and the planning
    figures, from the proxy's passing steps: Kamailio's CPU per SIP request (received + forwarded requests), the
    requests a call brings, the rows written per call."""
    best: dict[str, Any] = {}
    for path in PATHS:
        passed = [s for s in steps if s["path"] == path and s["ok"]]
        best[path] = {"calls_per_s": max((s["rate"] for s in passed), default=None),
                      "max_concurrent": max((s["max_concurrent"] for s in passed), default=None)}
    proxied = [s for s in steps if s["path"] == "proxy" and s["ok"] and s["kamailio_sip"]]
    calls = sum(s["succeeded"] for s in proxied)
    requests = sum(s["kamailio_sip"].get("core:rcv_requests", 0) for s in proxied)
    kam_cpu = sum(s["cpu_s"]["kamailio"] for s in proxied)
    passed = [s for s in steps if s["ok"]]
    rows_calls = sum(s["succeeded"] for s in passed)
    planning: dict[str, Any] = {}
    if calls and requests and kam_cpu > 0:
        per_request_ms = 1000 * kam_cpu / requests
        planning.update({
            "kamailio_cpu_ms_per_request": round(per_request_ms, 4),
            "measured_requests_per_call": round(requests / calls, 2),
            "sip_requests_per_call": round(LEGS_PER_CALL * requests / calls, 1),
            "kamailio_requests_per_s": round(1000 * PLANNED_CORE / per_request_ms)})
    rows = sum(s["rows_written"] for s in passed)
    pg_cpu = sum(s["cpu_s"]["postgresql"] for s in passed)
    if rows_calls:
        planning["db_rows_per_call"] = round(rows / rows_calls, 1)
    if rows and pg_cpu > 0:
        # All of PostgreSQL's CPU is charged to the rows written (its reads included): a planning bound.
        per_row_ms = 1000 * pg_cpu / rows
        planning.update({"postgresql_cpu_ms_per_row": round(per_row_ms, 4),
                         "db_rows_per_s": round(1000 * PLANNED_CORE / per_row_ms)})
    ratio = None
    if best["direct"]["calls_per_s"] and best["proxy"]["calls_per_s"]:
        ratio = round(best["proxy"]["calls_per_s"] / best["direct"]["calls_per_s"], 2)
    return {"best": best, "proxy_over_direct": ratio, "planning": planning,
            "planned_core": PLANNED_CORE, "legs_per_call": LEGS_PER_CALL}


async def run(stack: BenchStack, quick: bool) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    started = time.monotonic()
    proxy = await asyncio.to_thread(_kamailio.start, stack)
    steps: list[dict[str, Any]] = []
    failed = dict.fromkeys(PATHS, False)
    rows = await asyncio.to_thread(_kamailio.rows_settled, stack)
    try:
        for rung, rate in enumerate(plan["rates"]):
            # Alternate which path goes first, so that the machine's drift hits both alike.
            for path in PATHS if rung % 2 == 0 else PATHS[::-1]:
                if failed[path]:
                    continue
                # Not on the last rung: there a failure is the expected end of the ladder, and the time budget.
                for attempt in range(1 + (RETRIES if rung < len(plan["rates"]) - 1 else 0)):
                    step = await run_step(stack, proxy, path, rate, plan["step_s"], rows)
                    step["attempt"] = attempt + 1
                    steps.append(step)
                    rows = step["rows_total"]
                    if step["ok"]:
                        break
                    await stack.restart_asterisk(f"the {path} step at {rate:g} calls/s failed")
                    rows = await asyncio.to_thread(_kamailio.rows_settled, stack)  # not the restart's writes
                else:
                    failed[path] = True
        children = proxy.conf.children
    finally:
        await asyncio.to_thread(proxy.stop)
    return {"parameters": {**plan, "paths": list(PATHS), "agents": stack.agent_count, "talk_ms": stack.talk_ms,
                           "kamailio_children": children, "number": stack.numbers["allo"]},
            "steps": steps, **summarize(steps), "never_failed": {p: not failed[p] for p in PATHS},
            "duration_s": round(time.monotonic() - started, 1)}
