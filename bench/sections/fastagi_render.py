"""Markdown for section 3 (bench/sections/fastagi.py results)."""

from __future__ import annotations

from typing import Any

from bench import profile
from bench.sections._httpkit import fmt

MEDIA_COMMANDS = {"STREAM FILE", "GET DATA", "GET OPTION", "SAY DIGITS", "SAY NUMBER", "WAIT FOR DIGIT", "EXEC"}


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


def steps_table(steps: list[dict[str, Any]]) -> list[str]:
    """The main measure beside the comparison steps of the same run (each on a fresh Asterisk)."""
    if len(steps) < 2:
        return []
    lines = ["### The main measure beside the same load in other conditions (this run, each on a fresh Asterisk)",
             "", "| step | calls/s | service nice | s | calls ok | worst command p99 ms (no media) | think p99 ms "
             "| loop lag p99 ms | allo CPU % | Asterisk CPU % | allo CPU ms/call |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for st in steps:
        lines.append(f"| {st['name']} | {fmt(st['rate'])} | {st['nice']} | {fmt(st['seconds'])} | {st['calls']} | "
                     f"{fmt(st['command_p99_ms'])} | {fmt(st['think_p99_ms'])} | {fmt(st['lag_p99_ms'])} | "
                     f"{fmt(st['allo_cpu_pct'])} | {fmt(st['asterisk_cpu_pct'])} | {fmt(st['allo_cpu_ms_per_call'])} |")
    return [*lines, "", "The tables below are the main measure's.", ""]


def _row(name: str, s: dict[str, Any]) -> str:
    return f"| {name} | {s['count']} | {fmt(s['p50_ms'])} | {fmt(s['p99_ms'])} | {fmt(s['max_ms'])} |"


def render(result: dict[str, Any]) -> str:
    p = result["plan"]
    calls = result["calls"]
    lines = [
        f"Load: the whole journey of section 1 at **{fmt(p['rate'])} calls/s** ({p['rate_source']}) for "
        f"{fmt(p['seconds'])} s: {calls['succeeded']}/{calls['planned']} calls succeeded, {calls['failed']} failed. "
        f"Samples from the {fmt(result['window_s'])} s after a {fmt(result['warmup_s'])} s warm-up, raw from the "
        "service (`ALLO_TIMINGS_FILE`, allo/fastagi/timings.py): one line per AGI command and per step of every call.",
        "",
        *([f"Failed calls: {calls['failed']} (SIPp's log: see the JSON). A citizen whose `1` (sent 1.5 s after the "
           "answer) reaches Asterisk before the first prompt has started loses that key: a late first AGI command "
           "(`accept>STREAM FILE` below) shows up as failed calls.", ""] if calls["failed"] else []),
        *steps_table(result.get("steps") or []),
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
