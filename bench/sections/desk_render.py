"""Markdown of section 7 (the adviser's desk) from the raw result of bench.sections.desk.run."""

from __future__ import annotations

from typing import Any

from bench.sections._httpkit import fmt


def _cpu(window: dict[str, Any]) -> str:
    cpu = window["cpu_pct_of_one_core"]
    return " / ".join(fmt(cpu.get(k)) for k in ("service", "postgres", "clients"))


def _quad(d: dict[str, Any]) -> str:
    return f"{fmt(d['p50_ms'])} / {fmt(d['p95_ms'])} / {fmt(d['p99_ms'])} / {fmt(d['max_ms'])}"


def _row(label: str, phase: dict[str, Any], from_event_wall: bool) -> str:
    s = phase["summary"]
    per = s["per_phone_desk"]
    wall = _quad(s["delay"]) if from_event_wall else "n/a (built at the poll)"
    return (f"| {label} | {s['answered']} | {s['timed']} | {_quad(s['from_agentconnect'])} | {wall} | {s['lost']} | "
            f"{s['wrong_desk']} | {per['min']}-{per['max']} (median {per['median']}) | {_cpu(phase['idle'])} | "
            f"{_cpu(phase['load'])} | {fmt(phase['load'].get('machine_busy_pct'), ' %')} |")


def render(result: dict[str, Any]) -> str:
    p, push, poll, dom = result["parameters"], result["push"], result["poll"], result["dom"]
    lines = [f"{push['connected']} advisers' desks open on `GET /api/desk/stream` ({push['failed']} failed to "
             f"connect; all connected in {fmt(push['connect_all_s'], ' s')}), each with its own account (role "
             f"`agent`, extension = its agent in `{p['queue']}`, created through allo's agent admin and "
             f"`POST /api/users`; set-up {fmt(result['setup_s'], ' s')}{_steps(result)}). "
             f"{p['phones_logged_in']} of them are SIPp phones, registered and logged in from their desk "
             "(`POST /api/desk/login`), answering after a ring with "
             f"{p['talk_ms']} ms of talk; the stack's {p['stack_agents_out_of_l1']} own agents leave `{p['queue']}` "
             f"meanwhile. SIPp citizens call {p['number']}, press {p['key']} and queue in `{p['queue']}` at "
             f"{fmt(p['rate'])} calls/s for {p['push_s']} s (push) then {p['poll_s']} s (polling).", "",
             "Delay to the desk client's wall-clock receipt, from the pop's `event_wall` (when allo received the "
             "AMI event; the issue's measure) and from Asterisk's own `AgentConnect` timestamp (same machine clock; "
             "the same reference for both modes). Each call is paired with the `AgentConnect` of the phone that "
             "answered it (seen by the bench's own AMI session): a call with nothing on that adviser's desk is "
             "*lost*, a call shown on another desk is *wrong*. The baseline is the same desks without push: "
             f"`GET /api/desk/state` every {fmt(p['poll_interval_s'], ' s')} per desk (keep-alive, each desk at a "
             "random phase), delay to the first response showing the call; with no stream open, that endpoint "
             "builds the "
             "call's context at the poll, so its `event_wall` is the poll's and only the AgentConnect reference "
             "applies.", "",
             "| desks get the call by | calls answered | shown on the right desk | AgentConnect → desk p50 / p95 / "
             "p99 / max (ms) | event_wall → desk p50 / p95 / p99 / max (ms) | lost | wrong desk | per phone's desk "
             "| CPU % of a core idle: service / PostgreSQL / clients | same under load | machine busy |",
             "|---|---|---|---|---|---|---|---|---|---|---|",
             _row("push (SSE `pop`)", push, True),
             _row(f"polling every {fmt(p['poll_interval_s'], ' s')}", poll, False), ""]
    allo = push["summary"]["asterisk_to_allo"]
    lines.append(f"Before `event_wall`: Asterisk's `AgentConnect` timestamp → allo's receipt p50 {fmt(allo['p50_ms'])}"
                 f" / p99 {fmt(allo['p99_ms'])} ms (not in the delay above). ")
    state = push.get("state")
    if state:
        sd = state["delay_from_agentconnect"]
        lines[-1] += (f"`state` events: {state['events_total']} in all; the one showing a phone's adviser in a "
                      f"call arrived p50 {fmt(sd['p50_ms'])} / p99 {fmt(sd['p99_ms'])} ms after Asterisk's "
                      f"`AgentConnect` timestamp ({sd['count']} paired, {state['unpaired']} not; a state carries "
                      "no `event_wall`, and the device goes busy at the answer, so it can come first).")
    lines.append(f"Requests: push {push.get('events_total', 0)} SSE events in all; polling "
                 f"{poll.get('polls_total', 0)} requests. Clients' own CPU: push {fmt(push['clients_process_cpu_s'])}"
                 f" s, polling {fmt(poll['clients_process_cpu_s'])} s.")
    lines += ["", _dom(dom), "", "Targets:", ""]
    lines += [f"- {t['target']}: {fmt(t['value'])} — **{'met' if t['met'] else 'not met'}**"
              for t in result["targets"]]
    errors = push["client_errors"] + poll["client_errors"]
    if errors:
        lines.append(f"Client errors: {'; '.join(errors[:5])}.")
    lines += ["", f"Section duration {fmt(result['duration_s'], ' s')} (set-up included). Citizen load (push):", "",
              f"    {push['citizens']['command']}"]
    return "\n".join(lines) + "\n"


def _steps(result: dict[str, Any]) -> str:
    steps = result.get("setup_steps_s") or {}
    if "accounts_s" not in steps:
        return ""
    return (f": agents and their PJSIP publish {fmt(steps.get('agents_s'), ' s')}, accounts and tokens "
            f"{fmt(steps['accounts_s'], ' s')} (allo hashes each password with argon2id twice, to create the "
            f"account and to issue its token), phones registered meanwhile in {fmt(steps.get('phones_registered_s'))}"
            " s")


def _dom(dom: dict[str, Any]) -> str:
    if "error" in dom:
        return f"DOM time in Chromium: not measured (`{dom['error']}`)."
    d, e = dom.get("receipt_to_dom", {}), dom.get("event_to_dom", {})
    return (f"DOM time, one real Chromium tab on /desk as `{dom.get('adviser')}` (headless, its own SSE stream beside "
            f"the bench's client of that desk): the page's own `window.allo_desk_timings`, over {d.get('count', 0)} "
            f"pops drawn ({dom.get('pops_on_this_desk', 0)} popped on the bench's client of that desk): SSE receipt → "
            f"DOM drawn p50 {fmt(d.get('p50_ms'))} ms, max {fmt(d.get('max_ms'))} ms; allo's AMI event "
            f"(`event_wall`) → DOM drawn p50 {fmt(e.get('p50_ms'))} ms, max {fmt(e.get('max_ms'))} ms.")
