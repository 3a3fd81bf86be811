"""Markdown for section 1 (bench/sections/journey.py results)."""

from __future__ import annotations

from typing import Any

LABELS = {"allo": "allo (FastAGI)", "baseline": "pure dialplan", "classic": "classic process AGI (pyst2)"}


def _ms(d: dict[str, Any], key: str) -> str:
    value = d.get(key)
    return "n/a" if value is None else f"{value:.0f}"


def render(result: dict[str, Any]) -> str:
    p, best, ratios = result["parameters"], result["best"], result["ratios"]
    lines = ["Highest call rate held for "
             f"{p['hold_s']} s with zero failed and zero abandoned calls ({p['agents']} SIPp agents in `l1`, talk "
             f"{p['talk_ms']} ms, key {p['key']}; implementations {p['order']}; probe steps {p['probe_s']} s; the "
             f"holds bisect between half the best probe and the best probe, on a grid of {hold_steps(p)}, at most "
             f"{hold_tries(p)} holds; between steps, no channel, no queued caller and a quiet "
             "Asterisk).",
             "",
             "| implementation | number | highest passing rate (calls/s) |", "|---|---|---|"]
    for impl, label in LABELS.items():
        rate = best.get(impl)
        above = " (never failed: the ceiling is higher)" if result.get("never_failed", {}).get(impl) else ""
        lines.append(f"| {label} | {p['numbers'][impl]} | {'none' if rate is None else f'{rate:g}'}{above} |")
    lines += ["", f"Ratios: **allo / pure dialplan = {_fmt(ratios['allo_over_dialplan'])}**, "
              f"**allo / classic AGI = {_fmt(ratios['allo_over_classic'])}**.", "",
              "| implementation | rate/s | hold s | result | attempted | ok | failed | abandoned "
              "| post-dial p50/p99 ms | answer→queue p50/p99 ms | Asterisk CPU % | allo CPU % | machine busy % "
              "| Asterisk RSS MB |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["steps"]:
        pdd, atj = s["post_dial_ms"], s["answer_to_join_ms"]
        verdict = ("PASS" if s["ok"] else "FAIL") + (" (hold)" if s.get("hold") else "")
        lines.append(f"| {LABELS[s['impl']]} | {s['rate']:g} | {s['seconds']:g} | {verdict} | {s['attempted']} | "
                     f"{s['succeeded']} | {s['failed']} | {s['abandoned']} | {_ms(pdd, 'p50')} / {_ms(pdd, 'p99')} | "
                     f"{_ms(atj, 'p50')} / {_ms(atj, 'p99')} | {s['asterisk_cpu_pct']} | {s['allo_cpu_pct']} | "
                     f"{s['machine_busy_pct']} | {s.get('asterisk_rss_mb', 'n/a')} |")
    lines += ["", "Answer→queue includes the fixed parts of the journey (0.5 s Answer() wait for RTP, key sent "
              "1.5 s after the answer, the \"mise en relation\" prompt): compare implementations, not absolutes.",
              "Abandoned counts queue abandons plus callers still not queued 10 s after the answer.",
              "", "Targets:", ""]
    for t in result["targets"]:
        lines.append(f"- {t['target']}: {_fmt(t['value'])} — **{'met' if t['met'] else 'not met'}**")
    if result.get("why"):
        lines += ["", f"Why: {result['why']}"]
    example = next((s["command"] for s in result["steps"] if s["impl"] == "allo"), "")
    lines += ["", f"Section duration {result['duration_s']:.0f} s. Citizen load command (allo, first step):", "",
              f"    {example}"]
    return "\n".join(lines) + "\n"


def hold_steps(p: dict[str, Any]) -> str:
    steps = p.get("hold_step", {})
    return ", ".join(f"{v:g} calls/s ({LABELS[k]})" for k, v in steps.items()) if steps else "one rung"


def hold_tries(p: dict[str, Any]) -> str:
    tries = p.get("hold_tries", 1)
    return ", ".join(f"{v} ({LABELS[k]})" for k, v in tries.items()) if isinstance(tries, dict) else str(tries)


def _fmt(value: object) -> str:
    return "n/a" if value is None else f"{value:g}" if isinstance(value, float | int) else str(value)
