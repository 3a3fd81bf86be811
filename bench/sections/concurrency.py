"""Section 2 — concurrency: the most calls held at once in the menu and in a queue, with audio, zero failures.

Each step holds N calls at once: half in the menu (citizens pressing `*`, "repeat", every few seconds, so the menu
never times out), half queued in l1 with every agent paused (music on hold). Every citizen sends audio for the
whole call (g711a.pcap from sip-tester, PCMA, looped) and Asterisk sends prompts or music back. Calls arrive at
`ramp_rate`; each lasts ramp + hold, so all N are up together for `hold_s`, then all hang up. A step passes when
every SIPp call succeeded (no BYE from Asterisk, no error), Asterisk's own channel list showed the N calls in
`AGI` (menu) and `Queue` throughout the hold, and no FastAGI session ended in error. Steps grow until one fails.
"""

from __future__ import annotations

import asyncio
import math
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from allo.auth.roles import Role
from allo.db.engine import make_engine
from allo.setup import sipp
from allo.setup.procs import require
from bench.load import CitizenResult
from bench.sections._httpkit import CpuMeter, fmt

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "citizen-hold.xml"
PCAP = "/usr/share/sip-tester/g711a.pcap"
PCAP_MS = 7080  # 236 packets of 30 ms PCMA
MENU_KEY_FIRST_MS, MENU_KEY_EVERY_MS = 2500, 4000  # `*` while the prompts play: the menu never counts a failure
QUEUE_KEY_MS = 1500  # `1` (general question, level 1) during the welcome
CALLS_PER_SIPP = 150  # one SIPp per this many calls: its pcap threads and sockets stay small
PAUSE_REASON = "bench-concurrency"
# From the answer to the last queue caller being in Queue(): welcome, key, "mise en relation", the wait
# announcement (measured 9-12 s); the hold is counted after this.
SETTLE_S = 14.0


def plan(quick: bool) -> dict[str, Any]:
    if quick:
        return {"steps": [60, 120], "ramp_rate": 20.0, "hold_s": 10.0}
    return {"steps": [100, 200, 400, 600, 800], "ramp_rate": 30.0, "hold_s": 20.0}


# -- the SIPp scenario ----------------------------------------------------------------------------------------
INFO = sipp.INFO_SEND.replace("[caller]", "[prefix][call_number]")  # each citizen its own number
AUDIO = '\n  <nop><action><exec play_pcap_audio="{pcap}" /></action></nop>\n'


def scenario(mode: str, duration_ms: int) -> str:
    """citizen-hold.xml with its timeline: audio restarted every PCAP_MS, keys at their times, BYE at the end."""
    events: list[tuple[int, str]] = [(t, "audio") for t in range(0, duration_ms - 1000, PCAP_MS)]
    if mode == "menu":
        events += [(t, "*") for t in range(MENU_KEY_FIRST_MS, duration_ms - 1000, MENU_KEY_EVERY_MS)]
    else:
        events.append((QUEUE_KEY_MS, "1"))
    body, now, cseq = [], 0, 2
    for at, what in sorted(events, key=lambda e: (e[0], e[1] != "audio")):
        if at > now:
            body.append(f'\n  <pause milliseconds="{at - now}" />\n')
            now = at
        if what == "audio":
            body.append(AUDIO.format(pcap=PCAP))
        else:
            body.append(INFO.format(cseq=cseq, signal=what))
            cseq += 1
    body.append(f'\n  <pause milliseconds="{duration_ms - now}" />\n')
    return SCENARIO.read_text().replace("<!-- BODY -->", "".join(body)).replace("[bye_cseq]", str(cseq))


@dataclass
class HoldLoad:
    """One SIPp UAC placing `calls` holding calls of one mode at `rate`."""

    sip_port: int
    mode: str
    calls: int
    rate: float
    duration_ms: int
    workdir: Path
    prefix: str
    port: int = field(default_factory=sipp.free_port)
    media_port: int = field(default_factory=sipp.free_port)
    proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        limit_s = math.ceil(self.duration_ms / 1000 + self.calls / self.rate) + 60
        return [require("sipp", "sip-tester"), sipp.sip_target(self.sip_port), "-sf", "citizen-hold.xml",
                "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(self.port), "-mp", str(self.media_port),
                "-r", f"{self.rate:g}", "-m", str(self.calls), "-l", str(self.calls), "-nostdin",
                "-key", "prefix", self.prefix, "-recv_timeout", "30000", "-timeout", f"{limit_s}s", "-timeout_error",
                "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_err", "-max_socket", "4096"]

    def start(self) -> HoldLoad:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "citizen-hold.xml").write_text(scenario(self.mode, self.duration_ms))
        self.proc = subprocess.Popen(self.command(), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=(self.workdir / "stderr.log").open("wb"))
        return self

    def wait(self) -> CitizenResult:
        assert self.proc is not None
        try:
            code = self.proc.wait(self.duration_ms / 1000 + self.calls / self.rate + 90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return CitizenResult.read(self.workdir, code, self.calls)


# -- what Asterisk and the service say --------------------------------------------------------------------------
def channel_apps(stack: Any) -> dict[str, int]:
    """Channels by dialplan application, from `core show channels concise` (`!`-separated, app in field 6)."""
    counts: dict[str, int] = {}
    for line in stack.asterisk.cli("core show channels concise", check=False).splitlines():
        parts = line.split("!")
        if len(parts) > 6:
            counts[parts[5]] = counts.get(parts[5], 0) + 1
    return counts


def media_flowing(stack: Any) -> dict[str, int]:
    """Citizens' channels whose RTP counters show packets both ways (`pjsip show channelstats`: after the channel,
    uptime, codec, then receive count/lost/pct/jitter and transmit count/...)."""
    out = stack.asterisk.cli("pjsip show channelstats", check=False)
    both = listed = 0
    for line in out.splitlines():
        tokens = line.split()
        at = next((i for i, token in enumerate(tokens) if token.startswith("trunk-")), None)
        if at is None or len(tokens) < at + 8:
            continue
        listed += 1
        both += _count(tokens[at + 3]) > 0 and _count(tokens[at + 7]) > 0
    return {"channels": listed, "rx_and_tx": both}


def _count(token: str) -> float:
    scale = {"K": 1e3, "M": 1e6}.get(token[-1:], 1.0)
    try:
        return float(token.rstrip("KM")) * scale
    except ValueError:
        return 0.0


def agi_outcomes(stack: Any) -> dict[str, float]:
    reply = httpx.get(f"{stack.service.base_url}/metrics", headers=stack.service.headers(Role.ADMIN), timeout=10)
    found: dict[str, float] = {}
    for match in re.finditer(r'^allo_agi_sessions_total\{outcome="(\w+)"\} ([0-9.e+]+)$', reply.text, re.M):
        found[match.group(1)] = float(match.group(2))
    return found


async def l1_max_wait(stack: Any) -> int | None:
    engine = make_engine(stack.settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            value = (await conn.execute(text("SELECT max_wait FROM queues WHERE name = 'l1'"))).scalar()
    finally:
        await engine.dispose()
    return None if value is None else int(value)


async def pause_agents(stack: Any, paused: bool) -> None:
    for name in stack.agent_names:
        await stack.ami.queue_pause("l1", f"PJSIP/{name}", paused, PAUSE_REASON)


# -- one step ---------------------------------------------------------------------------------------------------
async def run_step(stack: Any, total: int, ramp_rate: float, hold_s: float, index: int) -> dict[str, Any]:
    per_mode = {"menu": total // 2, "queue": total - total // 2}
    ramp_s = total / ramp_rate
    duration_ms = int((ramp_s + 2 + SETTLE_S + hold_s) * 1000)  # +2 s: the SIPp processes start one by one
    loads: list[HoldLoad] = []
    for m_index, (mode, count) in enumerate(per_mode.items()):
        chunks = math.ceil(count / CALLS_PER_SIPP)
        for c in range(chunks):
            calls = count // chunks + (1 if c < count % chunks else 0)
            loads.append(HoldLoad(stack.settings.sip_port, mode, calls, ramp_rate * calls / total, duration_ms,
                                  stack.state_dir / "sipp" / f"concurrency-{index:02d}-{mode}-{c}",
                                  prefix=f"07{index:02d}{m_index}{c}"))
    before = await asyncio.to_thread(agi_outcomes, stack)
    t0 = time.monotonic()
    for load in loads:
        load.start()
    pids = {"asterisk": stack.asterisk_pid(), "allo": stack.service_pid()}
    pids |= {f"sipp{i}": load.proc.pid for i, load in enumerate(loads) if load.proc is not None}
    window = (ramp_s + 2 + SETTLE_S, duration_ms / 1000 - 1.5)  # when every call should be in place
    samples: list[dict[str, Any]] = []
    meter = CpuMeter(pids)
    media: dict[str, int] = {}
    while (elapsed := time.monotonic() - t0) < window[1]:
        if elapsed >= window[0] and not samples:
            meter.start()
        apps = await asyncio.to_thread(channel_apps, stack)
        if elapsed >= window[0]:
            samples.append({"t": round(elapsed, 1), "menu": apps.get("AGI", 0), "queue": apps.get("Queue", 0),
                            "channels": sum(apps.values()),
                            "rss_allo_mb": round(stack.rss_bytes(pids["allo"]) / 2**20, 1),
                            "rss_asterisk_mb": round(stack.rss_bytes(pids["asterisk"]) / 2**20, 1)})
            if not media:
                media = await asyncio.to_thread(media_flowing, stack)
        await asyncio.sleep(2.0)
    cpu = meter.stop() if samples else {}
    results = [await asyncio.to_thread(load.wait) for load in loads]
    after = await asyncio.to_thread(agi_outcomes, stack)
    idle = await stack.idle()
    errors = {k: after.get(k, 0) - before.get(k, 0) for k in ("handler_error", "timeout", "protocol_error")}
    failed = sum(max(r.failed, r.planned - r.succeeded) for r in results)
    held_menu = min((s["menu"] for s in samples), default=0)
    held_queue = min((s["queue"] for s in samples), default=0)
    passed = (failed == 0 and not any(errors.values()) and held_menu >= per_mode["menu"]
              and held_queue >= per_mode["queue"] and bool(samples))
    sipp_cpu = round(sum(v for k, v in cpu.items() if k.startswith("sipp")), 1)
    return {
        "calls": total, "menu": per_mode["menu"], "queue": per_mode["queue"], "passed": passed,
        "ramp_s": round(ramp_s, 1), "hold_s": hold_s, "call_s": duration_ms / 1000, "sipp_processes": len(loads),
        "held_menu_min": held_menu, "held_queue_min": held_queue,
        "channels_max": max((s["channels"] for s in samples), default=0),
        "failed_calls": failed, "succeeded_calls": sum(r.succeeded for r in results),
        "agi_errors": errors, "agi_sessions": {k: after.get(k, 0) - before.get(k, 0) for k in after},
        "media": media,
        "cpu_pct": {"asterisk": cpu.get("asterisk"), "allo": cpu.get("allo"), "sipp": sipp_cpu},
        "rss_mb": {"allo": max((s["rss_allo_mb"] for s in samples), default=None),
                   "asterisk": max((s["rss_asterisk_mb"] for s in samples), default=None)},
        "idle_after": idle, "samples": samples,
        "sipp_errors": [r.errors_tail[-600:] for r in results if r.failed or r.returncode not in (0,)],
        "commands": [" ".join(load.command()) for load in loads[:1]],
    }


async def run(stack: Any, quick: bool) -> dict[str, Any]:
    params = plan(quick)
    max_wait = await l1_max_wait(stack)
    longest_s = max(params["steps"]) / params["ramp_rate"] + 2 + SETTLE_S + params["hold_s"]
    if max_wait and max_wait <= longest_s:  # the max-wait logic would move callers during the hold
        raise RuntimeError(f"l1 max_wait {max_wait} s is shorter than the longest call ({longest_s:.0f} s)")
    await stack.idle()
    await pause_agents(stack, True)
    steps: list[dict[str, Any]] = []
    try:
        for index, total in enumerate(params["steps"]):
            step = await run_step(stack, total, params["ramp_rate"], params["hold_s"], index)
            steps.append(step)
            if not step["passed"]:
                break
    finally:
        await pause_agents(stack, False)
    passing = [s["calls"] for s in steps if s["passed"]]
    return {"quick": quick, "plan": params, "l1_max_wait_s": max_wait, "audio": f"{PCAP} looped (PCMA, 30 ms)",
            "menu_key_every_ms": MENU_KEY_EVERY_MS, "calls_per_sipp": CALLS_PER_SIPP,
            "best_calls": max(passing) if passing else 0, "steps": steps}


def render(result: dict[str, Any]) -> str:
    plan_ = result["plan"]
    lines = [
        "Calls held at once in the menu and in a queue, with audio. "
        f"Each step holds N calls together for {fmt(plan_['hold_s'])} s: half in the menu (pressing `*`, repeat, "
        f"every {result['menu_key_every_ms'] / 1000:g} s, so the menu never gives up on them), half waiting in `l1` "
        "with every agent paused (music on hold). Every citizen sends audio all along "
        f"({result['audio']}); Asterisk sends prompts or music back. Calls arrive at "
        f"{fmt(plan_['ramp_rate'])} calls/s; one SIPp per {result['calls_per_sipp']} calls. A step passes with zero "
        "failed SIPp calls, Asterisk listing the N calls in `AGI` and `Queue` for the whole hold, and no FastAGI "
        f"session ending in error. `l1` max wait: {result['l1_max_wait_s']} s (longer than any call here, so the "
        "max-wait logic never moves a caller).",
        "",
        f"**Most calls held at once with zero failures: {result['best_calls']}**"
        + (" (every step passed: the ceiling is higher)" if all(s["passed"] for s in result["steps"]) else ""),
        "",
        "| calls held | in menu (min seen) | in queue (min seen) | RTP both ways | failed | CPU Asterisk | "
        "CPU allo | CPU SIPp | RSS allo | RSS Asterisk | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in result["steps"]:
        media = s["media"]
        rtp = f"{fmt(media.get('rx_and_tx'))}/{fmt(media.get('channels'))}" if media else fmt(None)
        errors = sum(s["agi_errors"].values())
        lines.append(
            f"| {s['calls']} | {s['held_menu_min']}/{s['menu']} | {s['held_queue_min']}/{s['queue']} | {rtp} | "
            f"{s['failed_calls']}{f' (+{errors} AGI)' if errors else ''} | {fmt(s['cpu_pct']['asterisk'], ' %')} | "
            f"{fmt(s['cpu_pct']['allo'], ' %')} | {fmt(s['cpu_pct']['sipp'], ' %')} | "
            f"{fmt(s['rss_mb']['allo'], ' MB')} | {fmt(s['rss_mb']['asterisk'], ' MB')} | "
            f"{'pass' if s['passed'] else 'FAIL'} |")
    lines += [
        "",
        "CPU is the average over the hold, in % of one core (the machine has two, shared by Asterisk, allo, "
        "PostgreSQL and SIPp). \"RTP both ways\": channels whose RTP counters showed packets received and sent "
        "(`pjsip show channelstats`) once all calls were up. RSS is the highest seen during the hold.",
    ]
    if result["steps"]:
        lines += ["", f"SIPp command (first process of the first step): `{result['steps'][0]['commands'][0]}`"]
    return "\n".join(lines) + "\n"
