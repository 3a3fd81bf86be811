"""Section 3 — FastAGI cost: per-command round trip, the service's think time and decision time, memory.

The service is restarted with `ALLO_TIMINGS_FILE` (allo/fastagi/timings.py): it then appends one line per AGI command
round trip (command written → reply read), per "think" (Asterisk's reply → the service's next command of the same
call: routing, database look-ups, event-loop delay) and per `routing.decide` call, written by a background thread;
percentiles come from those raw samples. The load is the whole journey of section 1 (welcome, `1` by SIP INFO,
l1, an agent answers) at that section's best allo rate when it ran first in this process, else a fixed rate.
After the load the service is stopped (which flushes the file) and restarted without the timings.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import profile
from bench.sections._httpkit import CpuMeter, percentile
from bench.sections.fastagi_render import MEDIA_COMMANDS, render, why

__all__ = ["render", "run"]

QUICK_RATE, FULL_RATE = 20.0, 40.0
TARGET_RATE = 28.0  # issue 6's whole-journey target: the rate the FastAGI target matters at
EXTRA_S = 30.0  # the comparison steps of the full run (after the main measure)
NICE = -10  # the comparison step giving the service a higher CPU priority than Asterisk's threads
PROFILE_S = 15  # seconds of py-spy sampling after the timed window
TARGET_P99_MS = 5.0
WARMUP_S = 3.0  # samples of the first seconds after the restart are left out (first connections, caches)


def plan(quick: bool, journey_best: float | None) -> dict[str, Any]:
    """The main measure, then (full run) the same load with the service at a higher CPU priority, and the target
    rate: where the p99 comes from when the main measure misses (CPU scheduling or the service itself)."""
    rate = QUICK_RATE if quick or not journey_best else float(journey_best)
    source = "fixed (quick mode)" if quick else ("section 1's best allo rate" if journey_best else "fixed")
    extra: list[dict[str, Any]] = []
    if not quick:
        extra.append({"name": f"same rate, service at nice {NICE}", "rate": rate, "nice": NICE, "seconds": EXTRA_S})
        if rate > TARGET_RATE:
            extra.append({"name": "target rate", "rate": TARGET_RATE, "nice": 0, "seconds": EXTRA_S})
    return {"rate": rate, "rate_source": source, "seconds": 20.0 if quick else 60.0, "extra": extra}


def journey_best(stack: Any) -> float | None:
    """Section 1's highest passing allo rate, when it ran before in this process (bench/__main__ keeps results)."""
    results = getattr(stack, "results", None) or {}
    journey = results.get("journey") or {}
    best = (journey.get("result", journey) or {}).get("best") or {}
    value = best.get("allo")
    return float(value) if value else None


def stats(values: list[float]) -> dict[str, Any]:
    """count, p50, p99, max in milliseconds (3 decimals: routing decisions take microseconds)."""
    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 3)
    return {"count": len(values), "p50_ms": ms(percentile(values, 50)), "p99_ms": ms(percentile(values, 99)),
            "max_ms": ms(max(values) if values else None)}


def read_samples(path: Path, since: float, until: float) -> dict[str, dict[str, list[float]]]:
    """kind -> label -> seconds, for the samples taken between `since` and `until` (unix time)."""
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    if not path.exists():
        return {}
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        at, kind, label, seconds = float(parts[0]), parts[1], parts[2], float(parts[3])
        if since <= at <= until:
            samples[kind][label].append(seconds)
    return {kind: dict(labels) for kind, labels in samples.items()}


async def restart_service(stack: Any, timings: Path | None, nice: int = 0) -> None:
    service = stack.service
    await asyncio.to_thread(service.stop)
    service.nice = nice
    if timings is None:
        service.env.pop("ALLO_TIMINGS_FILE", None)
    else:
        service.env["ALLO_TIMINGS_FILE"] = str(timings)
    await asyncio.to_thread(service.start)
    await asyncio.sleep(2.0)  # AMI resync and rules loaded before the first call


async def measure(stack: Any, rate: float, seconds: float, tag: str, nice: int = 0) -> dict[str, Any]:
    """One timed load on a fresh Asterisk and a service restarted with the timings file (and `nice`)."""
    timings = stack.state_dir / "timings" / f"{tag}-{int(time.time())}.tsv"
    await stack.idle()
    # Like section 1's holds, on a fresh Asterisk: after section 2's hundreds of held calls the full run of
    # 2026-12-05 16:40 failed a third of this section's calls at the rate section 1 had held.
    await stack.restart_asterisk(f"a fresh Asterisk for the FastAGI measurement ({tag})")
    await restart_service(stack, timings, nice)
    stack.fresh = False
    try:
        pid = stack.service_pid()
        rss_idle = stack.rss_bytes(pid)
        load = stack.citizens(stack.numbers["allo"], rate, seconds, tag)
        load.start()
        t0 = time.time()
        meter = CpuMeter({"allo": pid, "asterisk": stack.asterisk_pid()})
        rss: list[int] = []
        while time.time() - t0 < seconds:
            if not rss and time.time() - t0 >= WARMUP_S:
                meter.start()
            if time.time() - t0 >= WARMUP_S:
                rss.append(stack.rss_bytes(pid))
            await asyncio.sleep(0.5)
        cpu = meter.stop()
        t1 = time.time()
        calls = await asyncio.to_thread(load.wait)
        await stack.idle()
    finally:
        await restart_service(stack, None)  # stopping flushes the timings file
    samples = read_samples(timings, t0 + WARMUP_S, t1)
    all_think = [s for v in samples.get("think", {}).values() for s in v]
    window_s = t1 - t0 - WARMUP_S
    ivr_calls = sum(len(v) for v in samples.get("session", {}).values())
    return {
        "window_s": round(window_s, 1), "timings_file": str(timings), "command": " ".join(load.command()),
        "calls": {"planned": calls.planned, "succeeded": calls.succeeded, "failed": calls.failed,
                  "errors_tail": calls.errors_tail[-1500:] if calls.failed else ""},
        "agi": {cmd: stats(v) for cmd, v in sorted(samples.get("agi", {}).items())},
        "think": {label: stats(v) for label, v in sorted(samples.get("think", {}).items(), key=lambda kv: -len(kv[1]))},
        "think_all": stats(all_think),
        "decide": {target: stats(v) for target, v in sorted(samples.get("decide", {}).items())},
        "sessions": {outcome: stats(v) for outcome, v in sorted(samples.get("session", {}).items())},
        "loop_lag": stats(samples.get("lag", {}).get("loop", [])),
        "cpu_pct": cpu,
        "allo_cpu_ms_per_call": round(cpu["allo"] / 100 * window_s / ivr_calls * 1000, 2) if ivr_calls else None,
        "rss_mb": {"idle": round(rss_idle / 2**20, 1), "max": round(max(rss, default=0) / 2**20, 1),
                   "mean": round(sum(rss) / len(rss) / 2**20, 1) if rss else None},
    }


def worst_command_p99(measured: dict[str, Any]) -> float | None:
    """The highest p99 among the commands without media (the FastAGI target's figure)."""
    return max((s["p99_ms"] for cmd, s in measured["agi"].items()
                if cmd not in MEDIA_COMMANDS and s["p99_ms"] is not None), default=None)


def step_summary(name: str, rate: float, nice: int, seconds: float, measured: dict[str, Any]) -> dict[str, Any]:
    calls = measured["calls"]
    return {"name": name, "rate": rate, "nice": nice, "seconds": seconds,
            "calls": f"{calls['succeeded']}/{calls['planned']}", "failed": calls["failed"],
            "command_p99_ms": worst_command_p99(measured), "think_p99_ms": measured["think_all"]["p99_ms"],
            "lag_p99_ms": measured["loop_lag"]["p99_ms"], "allo_cpu_pct": measured["cpu_pct"].get("allo"),
            "asterisk_cpu_pct": measured["cpu_pct"].get("asterisk"),
            "allo_cpu_ms_per_call": measured["allo_cpu_ms_per_call"]}


async def run(stack: Any, quick: bool) -> dict[str, Any]:
    # BENCH_FASTAGI_RATE: the rate of a section run alone (`--sections fastagi`), to repeat a full run's figure.
    alone = os.environ.get("BENCH_FASTAGI_RATE")
    params = plan(quick, journey_best(stack) or (float(alone) if alone else None))
    if alone and not journey_best(stack):
        params["rate_source"] = "BENCH_FASTAGI_RATE (section run alone)"
    main = await measure(stack, params["rate"], params["seconds"], "fastagi")
    # The same load again, without the timings, under py-spy: where the service's time goes (the report's "why").
    await stack.idle()
    profile_load = stack.citizens(stack.numbers["allo"], params["rate"], PROFILE_S + 6, "fastagi-profile").start()
    await asyncio.sleep(4)
    prof = await profile.record(stack.service_pid(), PROFILE_S, stack.state_dir / "profile-fastagi.txt")
    await asyncio.to_thread(profile_load.wait)
    steps = [step_summary("main measure", params["rate"], 0, params["seconds"], main)]
    for extra in params["extra"]:
        measured = await measure(stack, extra["rate"], extra["seconds"], f"fastagi-{len(steps)}", extra["nice"])
        steps.append(step_summary(extra["name"], extra["rate"], extra["nice"], extra["seconds"], measured))
    await stack.idle()
    worst = worst_command_p99(main)
    think_p99 = main["think_all"]["p99_ms"]
    result = {
        "quick": quick, "plan": params, "warmup_s": WARMUP_S, **main, "profile": prof, "steps": steps,
        "targets": [
            {"target": f"FastAGI p99 per command < {TARGET_P99_MS:g} ms (round trip of commands without media)",
             "value": f"{worst} ms" if worst is not None else None,
             "met": worst is not None and worst < TARGET_P99_MS},
            {"target": f"service think time p99 per step < {TARGET_P99_MS:g} ms (reply → next command)",
             "value": f"{think_p99} ms" if think_p99 is not None else None,
             "met": think_p99 is not None and think_p99 < TARGET_P99_MS},
        ],
    }
    result["why"] = why(result)
    return result
