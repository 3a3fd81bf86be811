"""Markdown for section 9 (bench/sections/cluster.py results)."""

from __future__ import annotations

from typing import Any

LABELS = {"direct": "straight to Asterisk", "proxy": "through Kamailio"}


def _v(value: Any, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}" if isinstance(value, int | float) else str(value)


def render(result: dict[str, Any]) -> str:
    p, best, plan = result["parameters"], result["best"], result.get("planning", {})
    lines = [f"The whole journey of section 1 (number {p['number']}, {p['agents']} SIPp agents in `l1`, talk "
             f"{p['talk_ms']} ms, key 1 by SIP INFO) at rising rates, each rate run straight to Asterisk and "
             "through Kamailio, which goes first alternating from rate to rate (allo's kamailio-conf/kamailio.cfg, "
             f"{p['kamailio_children']} UDP workers, the bench's Asterisk as the dispatcher's one node, "
             "record-route: the citizen's ACK, INFO and BYE cross the proxy too), "
             f"{p['step_s']} s per step; a path stops at its first failed rate, a failed step below the last rate "
             "being run once more on a restarted Asterisk first (the machine is shared: see the load average). "
             "Pass: every call completed, queued and connected, nothing left over (as section 1). These are steps, "
             "not section 1's 60 s holds.",
             "", "| path | highest passing rate (calls/s) | most calls up at once |", "|---|---|---|"]
    for path, label in LABELS.items():
        above = " (never failed: the ceiling is higher)" if result.get("never_failed", {}).get(path) else ""
        lines.append(f"| {label} | {_v(best[path]['calls_per_s'])}{above} | {_v(best[path]['max_concurrent'])} |")
    lines += ["", f"Ratio through Kamailio / straight: **{_v(result.get('proxy_over_direct'))}**.", "",
              "| path | rate/s | s | result | ok/planned | at once | post-dial p50/p99 ms | CPU Asterisk % "
              "| CPU allo % | CPU Kamailio % | CPU PostgreSQL % | machine busy % | load avg | requests into Kamailio "
              "| rows written |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["steps"]:
        pdd, cpu, sip = s["post_dial_ms"], s["cpu_pct"], s.get("kamailio_sip") or {}
        reqs = f"{sip.get('core:rcv_requests', 0)}" if s["path"] == "proxy" and sip else "-"
        lines.append(f"| {LABELS[s['path']]} | {s['rate']:g} | {s['seconds']:g} | {'PASS' if s['ok'] else 'FAIL'}"
                     f"{' (again)' if s.get('attempt', 1) > 1 else ''} "
                     f"| {s['succeeded']}/{s['planned']} | {s['max_concurrent']} | {_v(pdd['p50'])} / "
                     f"{_v(pdd['p99'])} | {cpu['asterisk']} | {cpu['allo']} | {cpu['kamailio']} | "
                     f"{cpu['postgresql']} | {s['machine_busy_pct']} | {_v(s.get('load_average'))} | {reqs} "
                     f"| {s['rows_written']} |")
    lines += ["", "CPU in % of one core over the step (load and drain); Kamailio counts all its processes, PostgreSQL "
              "its postmaster and backends. \"At once\": the most calls SIPp had up in a second of the step. "
              "Requests into Kamailio: its core counter of SIP requests received (the citizens' INVITE, ACK, INFO and "
              "the nodes' BYE; the dispatcher's own probes are sent, not received).",
              "", "Figures for the sizing (`allo cluster size --bench <this run's JSON>`, docs/scaling.md):", ""]
    if plan.get("kamailio_cpu_ms_per_request") is not None:
        lines += [f"- Kamailio: {plan['kamailio_cpu_ms_per_request']:g} ms of CPU per SIP request received; "
                  f"{plan['measured_requests_per_call']:g} requests per call on the citizen's leg, planned "
                  f"{plan['sip_requests_per_call']:g} per call (x{result['legs_per_call']}: the adviser's leg "
                  f"crosses the proxy in the cluster); one instance planned at {result['planned_core']:g} core: "
                  f"**{plan['kamailio_requests_per_s']:g} requests/s**."]
    else:
        lines.append("- Kamailio: no passing proxy step with its counters (see the steps).")
    lines.append(f"- PostgreSQL: **{_v(plan.get('db_rows_per_call'))} rows written per call** (inserts, updates "
                 "and deletes in allo's tables during the passing steps, background writes included)"
                 + (f"; {plan['postgresql_cpu_ms_per_row']:g} ms of PostgreSQL CPU per row written (all its CPU, "
                    f"reads included), one primary planned at {result['planned_core']:g} core: "
                    f"**{plan['db_rows_per_s']:g} rows/s**." if plan.get("db_rows_per_s") else "."))
    example = next((s["command"] for s in result["steps"] if s["path"] == "proxy"), "")
    lines += ["", f"Section duration {result['duration_s']:.0f} s. Citizen load command (through Kamailio, first "
              "step):", "", f"    {example}"]
    return "\n".join(lines) + "\n"
