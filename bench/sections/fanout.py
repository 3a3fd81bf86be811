"""Section 4 — live dashboard fan-out: 200 SSE clients, changes made in Asterisk at a known rate.

The clients run in a child process (`_sseclients`). This process adds one queue member (`PJSIP/bench-fanout`, an
endpoint that does not exist, so no call can reach it) and, over its own AMI session (independent of the
service's), alternately pauses it with a numbered reason `bfo-<n>` and resumes it, `rate` times a second. For each
change it keeps the time the action was sent and the time its `QueueMemberPause` event reached this AMI client;
each SSE client keeps the time it first received a document reflecting the change (the reason appears, or
disappears). Delay = client receipt - AMI event seen here (also given from the action sent). Two changes closer
than the feed's 50 ms debounce coalesce into one document by design: those are counted, not timed.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from acd.ami.client import AmiClient
from acd.ami.event_types import AmiEvent, QueueMemberPause
from allo.auth.roles import Role
from bench.sections._dayload import top_up_day
from bench.sections._httpkit import (
    CpuMeter,
    MachineMeter,
    base_url,
    bearer,
    host_port,
    postgres_pid,
    run_child,
    service_pid,
    summary_ms,
)
from bench.sections.fanout_render import render

QUEUE = "l1"
INTERFACE = "PJSIP/bench-fanout"
TARGET_P99_MS = 250.0
# Today's answered calls in PostgreSQL while measured (the dashboard recounts them every 3 s while a page is open):
# about what section 1 of a full run leaves, and six times the real 3939's busiest day (seeds digest).
DAY_CALLS = 50_000
__all__ = ["render", "run"]


def plan(quick: bool) -> dict[str, Any]:
    if quick:
        return {"clients": int(os.environ.get("BENCH_FANOUT_CLIENTS", "200")), "idle_s": 3.0, "day_calls": DAY_CALLS,
                "steps": [{"rate": 10.0, "seconds": 10.0}]}
    return {"clients": 200, "idle_s": 5.0, "day_calls": DAY_CALLS,
            "steps": [{"rate": 2.0, "seconds": 30.0}, {"rate": 10.0, "seconds": 30.0}, {"rate": 20.0, "seconds": 30.0}]}


class Changer:
    """Pause/resume of the bench member over our own AMI session, with the times of the actions and events."""

    def __init__(self, ami: AmiClient) -> None:
        self.ami = ami
        self.sent: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.seen_wall: dict[int, float] = {}
        self._next = 0
        ami.add_listener(self._on_event)

    def _on_event(self, event: AmiEvent) -> None:
        if not isinstance(event, QueueMemberPause) or event.interface != INTERFACE:
            return
        now, wall = time.monotonic(), time.time()
        n: int | None = None
        if event.paused and event.reason.startswith("bfo-"):
            n = int(event.reason[4:])
        elif not event.paused:
            n = min((n for n in self.sent if n % 2 == 1 and n not in self.seen), default=None)
        if n is not None and n not in self.seen:
            self.seen[n] = now
            self.seen_wall[n] = wall

    async def change(self) -> None:
        n = self._next
        self._next += 1
        self.sent[n] = time.monotonic()
        # even: pause with reason bfo-n; odd: resume (the document then loses bfo-(n-1))
        await self.ami.queue_pause(QUEUE, INTERFACE, n % 2 == 0, f"bfo-{n}" if n % 2 == 0 else "")

    async def run(self, rate: float, seconds: float) -> list[int]:
        first = self._next
        if first % 2:  # always start a step with a pause
            await self.change()
            first = self._next
        start = time.monotonic()
        count = int(rate * seconds)
        for i in range(count):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            await self.change()
        if self._next % 2:  # end resumed
            await asyncio.sleep(1 / rate)
            await self.change()
        return list(range(first, self._next))


def delivery(clients: list[dict[str, Any]], changes: list[int], changer: Changer) -> dict[str, Any]:
    """Delays from the AMI event (and from the action) to each client's first document showing the change, split
    at the document's `generated_at` (wall clock): AMI event -> document built in the service -> client."""
    seen, sent = changer.seen, changer.sent
    from_event: list[float] = []
    from_action: list[float] = []
    to_built: dict[int, float] = {}
    built_to_client: list[float] = []
    coalesced = missing = 0
    for client in clients:
        transitions = client["transitions"]
        shown = {row[0]: i for i, row in enumerate(transitions) if row[0]}
        for n in changes:
            row = None
            if n % 2 == 0:
                if f"bfo-{n}" in shown:
                    row = transitions[shown[f"bfo-{n}"]]
            elif f"bfo-{n - 1}" in shown:
                i = shown[f"bfo-{n - 1}"] + 1
                if i < len(transitions) and transitions[i][0] == "":
                    row = transitions[i]
            at = None if row is None else row[1]
            if at is None:
                if client["error"]:
                    missing += 1
                else:
                    coalesced += 1
                continue
            if n in seen:
                from_event.append(at - seen[n])
                if row is not None and row[3]:
                    to_built.setdefault(n, row[3] - changer.seen_wall[n])
                    built_to_client.append(row[2] - row[3])
            from_action.append(at - sent[n])
    return {"from_ami_event": summary_ms(from_event), "from_action_sent": summary_ms(from_action),
            "changes": len(changes), "deliveries_expected": len(changes) * len(clients),
            "coalesced": coalesced, "missing_failed_client": missing,
            "ami_event_to_document_built": summary_ms(list(to_built.values())),
            "document_built_to_client": summary_ms(built_to_client),
            "ami_events_seen": sum(1 for n in changes if n in seen),
            "ami_event_after_action": summary_ms([seen[n] - sent[n] for n in changes if n in seen])}


def documents_per_second(bins: dict[str, int], start: float, end: float) -> float:
    lo, hi = int(start * 10), int(end * 10)
    return round(sum(v for k, v in bins.items() if lo <= int(k) < hi) / max((hi - lo) / 10, 0.1), 1)


async def run(stack: Any, quick: bool) -> dict[str, Any]:
    params = plan(quick)
    settings = stack.settings
    day = await top_up_day(settings, params["day_calls"], str(int(time.time())))
    host, port = host_port(base_url(stack))
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_username,
                    settings.ami_secret.get_secret_value())
    await ami.start()
    await ami.wait_ready(15)
    changer = Changer(ami)
    child = None
    try:
        await ami.queue_add(QUEUE, INTERFACE, "bench-fanout")
        await asyncio.sleep(1.0)
        command = ["python", "-m", "bench.sections._sseclients", host, str(port), str(params["clients"])]
        child = await run_child("_sseclients", command[3:], bearer(stack, Role.SUPERVISOR))
        assert child.stdout is not None and child.stdin is not None
        connect_started = time.monotonic()
        ready = (await asyncio.wait_for(child.stdout.readline(), 120)).decode().split()
        if not ready or ready[0] != "READY":
            errors = await child.stderr.read() if child.stderr else b""
            raise RuntimeError(f"SSE clients did not start: {ready} {errors.decode()[-2000:]}")
        connect_s = time.monotonic() - connect_started
        pids = {"service": service_pid(stack), "clients": child.pid}
        pg = postgres_pid(stack)
        if pg:
            pids["postgres"] = pg
        meter = CpuMeter(pids, frozenset({"postgres"}))
        machine = MachineMeter()
        windows: list[dict[str, Any]] = []
        meter.start()
        machine.start()
        idle_start = time.monotonic()
        await asyncio.sleep(params["idle_s"])
        windows.append({"rate": 0.0, "start": idle_start, "end": time.monotonic(), "cpu": meter.stop(),
                        "machine": machine.stop(), "changes": []})
        for step in params["steps"]:
            meter.start()
            machine.start()
            start = time.monotonic()
            changes = await changer.run(step["rate"], step["seconds"])
            end = time.monotonic()
            windows.append({"rate": step["rate"], "start": start, "end": end, "cpu": meter.stop(),
                            "machine": machine.stop(), "changes": changes})
            await asyncio.sleep(1.0)
        out, err = await asyncio.wait_for(child.communicate(b"stop\n"), 60)
        if child.returncode != 0:
            raise RuntimeError(f"SSE clients failed: {err.decode()[-2000:]}")
        raw = json.loads(out)
    finally:
        if child is not None and child.returncode is None:
            child.kill()
            await child.wait()
        try:
            await ami.queue_remove(QUEUE, INTERFACE)
        finally:
            await ami.stop()

    clients = raw["clients"]
    docs = [c["documents"] for c in clients]
    sizes = [c["bytes"] / c["documents"] for c in clients if c["documents"]]
    steps = []
    for window in windows:
        result = {"rate_changes_per_s": window["rate"], "seconds": round(window["end"] - window["start"], 1),
                  "documents_per_s": documents_per_second(raw["bins"], window["start"], window["end"]),
                  "cpu_pct_of_one_core": window["cpu"], **window["machine"]}
        docs_per_s = result["documents_per_s"]
        result["service_cpu_us_per_document"] = (round(window["cpu"]["service"] * 10_000 / docs_per_s)
                                                 if docs_per_s else None)
        if window["changes"]:
            result["delivery"] = delivery(clients, window["changes"], changer)
        steps.append(result)
    return {
        "parameters": {**params, "queue": QUEUE, "interface": INTERFACE, "debounce_ms": 50, "tick_s": 1.0,
                       "command": " ".join([*command[:3], "<host>", "<port>", str(params["clients"])]),
                       "change": "AMI QueuePause alternately paused (Reason bfo-<n>) / unpaused"},
        "day": day, "clients_connected": int(ready[1]), "clients_failed": int(ready[2]),
        "connect_all_s": round(connect_s, 2),
        "client_errors": sorted({c["error"] for c in clients if c["error"]})[:5],
        "document_bytes_mean": round(sum(sizes) / len(sizes)) if sizes else None,
        "documents_total": sum(docs), "clients_process_cpu_s": round(raw["cpu_s"], 2),
        "steps": steps, "target_p99_ms": TARGET_P99_MS, "targets": [target(steps)],
    }


def target(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's target, on the worst step: p99 from the AMI event to the client."""
    p99s = [s["delivery"]["from_ami_event"]["p99_ms"] for s in steps if s.get("delivery")]
    worst = max((p for p in p99s if p is not None), default=None)
    return {"target": f"fan-out p99 < {TARGET_P99_MS:.0f} ms (AMI event → SSE client, 200 clients)",
            "value": None if worst is None else f"{worst} ms", "met": worst is not None and worst < TARGET_P99_MS}
