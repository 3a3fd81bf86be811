"""Section 3 — FastAGI cost: per-command round trip, the service's think time and decision time, memory.

The service is restarted with `ALLO_TIMINGS_FILE` (allo/timings.py): it then appends one line per AGI command
round trip (command written → reply read), per "think" (Asterisk's reply → the service's next command of the same
call: routing, database look-ups, event-loop delay) and per `routing.decide` call, written by a background thread;
percentiles come from those raw samples. The load is the whole journey of section 1 (welcome, `1` by SIP INFO,
l1, an agent answers) at that section's best allo rate when it ran first in this process, else a fixed rate.
After the load the service is stopped (which flushes the file) and restarted without the timings.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import profile
from bench.sections._httpkit import CpuMeter, fmt, percentile

QUICK_RATE, FULL_RATE = 20.0, 40.0
PROFILE_S = 15  # seconds of py-spy sampling after the timed window
TARGET_P99_MS = 5.0
WARMUP_S = 3.0  # samples of the first seconds after the restart are left out (first connections, caches)
# Round trips that include the media Asterisk plays (prompt, wait for keys): not a measure of FastAGI's cost.
MEDIA_COMMANDS = {"STREAM FILE", "GET DATA", "GET OPTION", "SAY DIGITS", "SAY NUMBER", "WAIT FOR DIGIT", "EXEC"}


def plan(quick: bool, journey_best: float | None) -> dict[str, Any]:
    rate = QUICK_RATE if quick or not journey_best else float(journey_best)
    source = "fixed (quick mode)" if quick else ("section 1's best allo rate" if journey_best else "fixed")
    return {"rate": rate, "rate_source": source, "seconds": 20.0 if quick else 60.0}


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


async def restart_service(stack: Any, timings: Path | None) -> None:
    service = stack.service
    await asyncio.to_thread(service.stop)
    if timings is None:
        service.env.pop("ALLO_TIMINGS_FILE", None)
    else:
        service.env["ALLO_TIMINGS_FILE"] = str(timings)
    await asyncio.to_thread(service.start)
    await asyncio.sleep(2.0)  # AMI resync and rules loaded before the first call


async def run(stack: Any, quick: bool) -> dict[str, Any]:
    params = plan(quick, journey_best(stack))
    timings = stack.state_dir / "timings" / f"fastagi-{int(time.time())}.tsv"
    await stack.idle()
    # Like section 1's holds, on a fresh Asterisk: after section 2's hundreds of held calls the full run of
    # 2026-12-05 16:40 failed a third of this section's calls at the rate section 1 had held.
    await stack.restart_asterisk("a fresh Asterisk for the FastAGI measurement")
    await restart_service(stack, timings)
    stack.fresh = False
    try:
        pid = stack.service_pid()
        rss_idle = stack.rss_bytes(pid)
        load = stack.citizens(stack.numbers["allo"], params["rate"], params["seconds"], "fastagi")
        load.start()
        t0 = time.time()
        meter = CpuMeter({"allo": pid, "asterisk": stack.asterisk_pid()})
        rss: list[int] = []
        while time.time() - t0 < params["seconds"]:
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
    # The same load again, without the timings, under py-spy: where the service's time goes (the report's "why").
    await stack.idle()
    profile_load = stack.citizens(stack.numbers["allo"], params["rate"], PROFILE_S + 6, "fastagi-profile").start()
    await asyncio.sleep(4)
    prof = await profile.record(stack.service_pid(), PROFILE_S, stack.state_dir / "profile-fastagi.txt")
    await asyncio.to_thread(profile_load.wait)
    await stack.idle()
    samples = read_samples(timings, t0 + WARMUP_S, t1)
    agi = {cmd: stats(v) for cmd, v in sorted(samples.get("agi", {}).items())}
    think = {label: stats(v) for label, v in sorted(samples.get("think", {}).items(), key=lambda kv: -len(kv[1]))}
    decide = {target: stats(v) for target, v in sorted(samples.get("decide", {}).items())}
    sessions = {outcome: stats(v) for outcome, v in sorted(samples.get("session", {}).items())}
    lag = stats(samples.get("lag", {}).get("loop", []))
    all_think = [s for v in samples.get("think", {}).values() for s in v]
    window_s = t1 - t0 - WARMUP_S
    ivr_calls = sum(len(v) for v in samples.get("session", {}).values())
    non_media = {cmd: s for cmd, s in agi.items() if cmd not in MEDIA_COMMANDS}
    worst = max((s["p99_ms"] for s in non_media.values() if s["p99_ms"] is not None), default=None)
    think_p99 = stats(all_think)["p99_ms"]
    result = {
        "quick": quick, "plan": params, "warmup_s": WARMUP_S, "window_s": round(window_s, 1),
        "timings_file": str(timings), "command": " ".join(load.command()),
        "calls": {"planned": calls.planned, "succeeded": calls.succeeded, "failed": calls.failed,
                  "errors_tail": calls.errors_tail[-1500:] if calls.failed else ""},
        "agi": agi, "think": think, "think_all": stats(all_think), "decide": decide, "sessions": sessions,
        "loop_lag": lag, "profile": prof,
        "cpu_pct": cpu,
        "allo_cpu_ms_per_call": round(cpu["allo"] / 100 * window_s / ivr_calls * 1000, 2) if ivr_calls else None,
        "rss_mb": {"idle": round(rss_idle / 2**20, 1), "max": round(max(rss, default=0) / 2**20, 1),
                   "mean": round(sum(rss) / len(rss) / 2**20, 1) if rss else None},
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


MOVE = ("What would move it: less CPU in the service's one event loop per call (the AMI events are already "
        "filtered by Asterisk and the call records written in executemany rounds), or AMI handling in its own thread "
        "or process so that FastAGI replies never wait behind a burst of events; more cores move it most (Asterisk, "
        "SIPp, PostgreSQL and allo share two here).")


def why(result: dict[str, Any]) -> str:
    """A first explanation, from the figures, when a target is missed (or only just met)."""
    targets = result.get("targets", [])
    if targets and all(t["met"] for t in targets):
        return ""
    think = result.get("think", {})
    worst = max(think.items(), key=lambda kv: kv[1]["p99_ms"] or 0, default=None)
    lag = result.get("loop_lag", {})
    parts = []
    if worst is not None:
        parts.append(f"The slowest step at p99 is `{worst[0]}` ({fmt(worst[1]['p99_ms'])} ms); the service's event "
                     f"loop was late by {fmt(lag.get('p99_ms'))} ms at p99 ({fmt(lag.get('max_ms'))} ms at worst), "
                     f"and the service used {fmt(result.get('allo_cpu_ms_per_call'))} ms of CPU per call.")
    buckets = (result.get("profile") or {}).get("buckets_pct") or {}
    if buckets:
        parts.append("py-spy on the service at the same load (below): "
                     + ", ".join(f"{name} {pct} %" for name, pct in list(buckets.items())[:4]) + ".")
    return " ".join([*parts, MOVE])


def _row(name: str, s: dict[str, Any]) -> str:
    return f"| {name} | {s['count']} | {fmt(s['p50_ms'])} | {fmt(s['p99_ms'])} | {fmt(s['max_ms'])} |"


def render(result: dict[str, Any]) -> str:
    p = result["plan"]
    calls = result["calls"]
    lines = [
        f"Load: the whole journey of section 1 at **{fmt(p['rate'])} calls/s** ({p['rate_source']}) for "
        f"{fmt(p['seconds'])} s: {calls['succeeded']}/{calls['planned']} calls succeeded, {calls['failed']} failed. "
        f"Samples from the {fmt(result['window_s'])} s after a {fmt(result['warmup_s'])} s warm-up, raw from the "
        "service (`ALLO_TIMINGS_FILE`, allo/timings.py): one line per AGI command and per step of every call.",
        "",
        *([f"Failed calls: {calls['failed']} (SIPp's log: see the JSON). A citizen whose `1` (sent 1.5 s after the "
           "answer) reaches Asterisk before the first prompt has started loses that key: a late first AGI command "
           "(`accept>STREAM FILE` below) shows up as failed calls.", ""] if calls["failed"] else []),
        "### AGI command round trip (command written → Asterisk's reply read)",
        "",
        "| command | samples | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        *[_row(f"`{cmd}`" + (" (includes the prompt played)" if cmd in MEDIA_COMMANDS else ""), s)
          for cmd, s in result["agi"].items()],
        "",
        "`STREAM FILE` and `GET DATA` return when the prompt has been played (and the keys read): their round trip "
        "is the caller's listening time, not a cost. What the service adds at each step is its think time:",
        "",
        "### Think time: Asterisk's reply → the service's next command (same call)",
        "",
        "| step (previous > next command) | samples | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        *[_row(label, s) for label, s in result["think"].items()],
        _row("**all steps**", result["think_all"]),
        *[_row(f"**whole call** (sum over the session, outcome {o})", s) for o, s in result["sessions"].items()],
        "",
        "`accept>…` includes reading the AGI headers. The step that carries the caller's key to the route is "
        "`STREAM FILE>STREAM FILE` (key during the welcome → `routing.decide` → \"mise en relation\") and the step "
        "before `SET VARIABLE` includes the queue-entry plan (repeat-caller look-up in PostgreSQL, wait estimate).",
        "",
        "### Event-loop lag of the service (a 100 ms sleep woken late by)",
        "",
        "| probe | samples | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        _row("lag", result["loop_lag"]),
        "",
        "A reply from Asterisk that arrives while the loop is busy waits up to that long to be read: it counts in the "
        "command's round trip, not in any think time.",
        "",
        "### `routing.decide` (pure function, as called by the menu engine)",
        "",
        "| target | calls | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        *[_row(target, s) for target, s in result["decide"].items()],
        "",
        "### Resources at this load",
        "",
        f"- allo CPU: {fmt(result['cpu_pct'].get('allo'), ' %')} of one core "
        f"(≈ {fmt(result['allo_cpu_ms_per_call'])} ms of CPU per call); Asterisk: "
        f"{fmt(result['cpu_pct'].get('asterisk'), ' %')}.",
        f"- allo memory (RSS): {fmt(result['rss_mb']['idle'])} MB idle after start, mean "
        f"{fmt(result['rss_mb']['mean'])} MB and max {fmt(result['rss_mb']['max'])} MB under load.",
        "",
        f"SIPp command: `{result['command']}`",
    ]
    lines += ["", "### Where the service's time goes (py-spy, same load, after the timed window)", "",
              profile.render(result.get("profile") or {"error": "not taken"}).rstrip()]
    explanation = why(result)
    if explanation:
        lines += ["", "### Why a target is missed or only just met", "", explanation]
    return "\n".join(lines) + "\n"
