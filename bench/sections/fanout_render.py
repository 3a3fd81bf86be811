"""Markdown of section 4 (live dashboard fan-out) from the raw result of bench.sections.fanout.run."""

from __future__ import annotations

from typing import Any

from bench.sections._httpkit import fmt


def _day(result: dict[str, Any]) -> list[str]:
    day = result.get("day")
    if not day:
        return []
    return [f"Today in PostgreSQL while measured (the dashboard recounts it every 3 s while a page is open): "
            f"{day['legs_today_before']:,} queue legs were there, {day['calls_added']:,} answered calls added to "
            f"reach {result['parameters'].get('day_calls', 0):,} (bench/sections/_dayload.py).", ""]


def render(result: dict[str, Any]) -> str:
    lines = [f"{result['clients_connected']} SSE clients on `GET /api/dashboard/stream` (supervisor bearer token; "
             f"{result['clients_failed']} failed to connect; all connected in {fmt(result['connect_all_s'], ' s')}), "
             "in one asyncio process separate from the service, on the same 2 cores. "
             f"Document ≈ {fmt(result['document_bytes_mean'])} bytes. Changes: {result['parameters']['change']} "
             f"of `{result['parameters']['interface']}` in `{result['parameters']['queue']}` over the bench's own "
             "AMI session. Delay: from the `QueueMemberPause` event seen by that independent AMI client (and from "
             "the action sent) to each client's first document showing the change; the feed's 50 ms debounce is "
             "included by design.", "",
             *_day(result),
             "| changes/s | documents/s delivered (all clients) | delay from AMI event p50 / p99 / max (ms) | "
             "from action sent p99 (ms) | timed / coalesced | CPU % of a core: service / clients / PostgreSQL | "
             "service µs per document | machine busy (load avg) |",
             "|---|---|---|---|---|---|---|---|"]
    worst = None
    for step in result["steps"]:
        cpu = step["cpu_pct_of_one_core"]
        cpus = " / ".join(fmt(cpu.get(k)) for k in ("service", "clients", "postgres"))
        tail = (f"{fmt(step.get('service_cpu_us_per_document'))} | {fmt(step.get('machine_busy_pct'), ' %')} "
                f"({fmt(step.get('loadavg_1m'))}) |")
        d = step.get("delivery")
        if d is None:
            lines.append(f"| 0 (idle, 1 s tick) | {fmt(step['documents_per_s'])} | - | - | - | {cpus} | {tail}")
            continue
        e = d["from_ami_event"]
        if e["p99_ms"] is not None:
            worst = e["p99_ms"] if worst is None else max(worst, e["p99_ms"])
        lines.append(f"| {fmt(step['rate_changes_per_s'])} | {fmt(step['documents_per_s'])} | "
                     f"{fmt(e['p50_ms'])} / {fmt(e['p99_ms'])} / {fmt(e['max_ms'])} | "
                     f"{fmt(d['from_action_sent']['p99_ms'])} | {e['count']} / {d['coalesced']} | {cpus} | {tail}")
    met = worst is not None and worst < result["target_p99_ms"]
    lines += ["", "Where the delay goes (split at the document's `generated_at`, wall clock):", ""]
    for step in result["steps"]:
        d = step.get("delivery")
        if d:
            built, transit = d["ami_event_to_document_built"], d["document_built_to_client"]
            lines.append(f"- {fmt(step['rate_changes_per_s'])} changes/s: AMI event → document built in the "
                         f"service p50 {fmt(built['p50_ms'])} / p99 {fmt(built['p99_ms'])} ms (50 ms of it is the "
                         f"debounce); built → client p50 {fmt(transit['p50_ms'])} / p99 {fmt(transit['p99_ms'])} ms; "
                         f"action → AMI event p99 {fmt(d['ami_event_after_action']['p99_ms'])} ms.")
    lines += ["", f"Target: fan-out p99 < {result['target_p99_ms']:.0f} ms — "
              f"**{'met' if met else 'not met'}** (worst p99 {fmt(worst, ' ms')})."]
    if not met:
        lines.append(why_missed(result))
    if result["client_errors"]:
        lines.append(f"Client errors: {'; '.join(result['client_errors'])}.")
    return "\n".join(lines) + "\n"


def why_missed(result: dict[str, Any]) -> str:
    """The reading of a missed target from the figures themselves: CPU-bound service, or waiting for a core."""
    steps = [s for s in result["steps"] if s.get("delivery")]
    busy = max((s.get("machine_busy_pct") or 0.0) for s in steps) if steps else 0.0
    service = max(s["cpu_pct_of_one_core"].get("service", 0.0) for s in steps) if steps else 0.0
    if service >= 80:
        return (f"The service used {fmt(service)} % of a core: fan-out is CPU-bound in the service (each document "
                "goes through Starlette, h11 and a transport write per client). What would move it: httptools "
                "instead of h11, pre-encoding the SSE frame once per publish, fewer documents (diffs).")
    return (f"The service used only {fmt(service)} % of a core while the machine was {fmt(busy)} % busy: the delay "
            "is time spent waiting for a core (both the service building the document and the client process "
            "reading it are late), not work the fan-out itself does; compare the idle-machine figures of a full "
            "run before drawing conclusions.")
