"""Citizen load: one SIPp UAC calling a number at a rate for a while, and what it measured.

Lighter than allo.setup.sipp's test runs: no message trace (it would cost I/O per call at 60 calls/s), but the
statistics CSV (-trace_stat) and every INVITE → 200 OK time (-trace_rtt, `rtd` on the 200 OK of citizen.xml).
"""

from __future__ import annotations

import csv
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from allo.setup import sipp
from allo.setup.procs import require


def citizen_scenario(number: str, key: str, prefix: str) -> str:
    """citizen.xml calling `number` and pressing `key` 1.5 s after the answer (SIP INFO), each call from its own
    number (`prefix` + call number): one repeated caller would be sent to its previous adviser, not the queue."""
    text = sipp.citizen_scenario(sipp.parse_key_steps(key, 1500))
    return text.replace("sip:3939@", f"sip:{number}@").replace("[caller]", f"{prefix}[call_number]")


# A request inside the dialog: its request line (ACK, INFO, the BYE of a citizen who hangs up) as the scenario writes
# it for a direct call.
IN_DIALOG = re.compile(r"^(\s*)(ACK|INFO|BYE) sip:\S+ SIP/2\.0$", re.MULTILINE)
ANSWER = '<recv response="200" rtd="true" crlf="true" />'


def through_proxy(scenario: str) -> str:
    """The citizen scenario behind a record-routing proxy (Kamailio): the 200 OK's Record-Route is kept (rrs), and
    each request inside the dialog goes to the far end's Contact ([next_url]) through the route set ([routes]); a
    direct call's scenario sends them to the address it called, which a proxy cannot route."""
    if scenario.count(ANSWER) != 1 or not IN_DIALOG.search(scenario):
        raise ValueError("not a citizen scenario: no single 200 OK to record the route from, or no ACK")
    scenario = scenario.replace(ANSWER, ANSWER.replace(" />", ' rrs="true" />'))
    return IN_DIALOG.sub(lambda m: f"{m.group(1)}{m.group(2)} [next_url] SIP/2.0\n{m.group(1)}[routes]", scenario)


@dataclass
class CitizenLoad:
    """`-r rate` for `seconds` (calls = rate x seconds), then wait for the calls in progress to end."""

    sip_port: int
    number: str
    rate: float
    seconds: float
    workdir: Path
    key: str = "1"
    caller_prefix: str = "0600"
    max_call_s: int = 60
    port: int = field(default_factory=sipp.free_port)
    media_port: int = field(default_factory=sipp.free_media_port)
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0  # time.monotonic() at the start
    via_proxy: bool = False  # the SIP port is a record-routing proxy's (bench/sections/cluster.py, tests/cluster)
    source: str = "127.0.0.1"  # SIPp's SIP and media address (the operator trunk's behind Kamailio: tests/cluster)

    @property
    def calls(self) -> int:
        return max(1, round(self.rate * self.seconds))

    def command(self) -> list[str]:
        return [require("sipp", "sip-tester"), sipp.sip_target(self.sip_port), "-sf", "citizen.xml",
                "-i", self.source, "-mi", self.source, "-p", str(self.port), "-mp", str(self.media_port),
                "-r", f"{self.rate:g}", "-m", str(self.calls), "-l", str(max(100, self.calls)), "-nostdin",
                "-recv_timeout", str(self.max_call_s * 1000),
                "-timeout", f"{int(self.seconds) + self.max_call_s + 30}s", "-timeout_error",
                "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_rtt", "-rtt_freq", "1",
                "-trace_err", "-max_socket", "4096"]

    def start(self) -> CitizenLoad:
        self.workdir.mkdir(parents=True, exist_ok=True)
        text = citizen_scenario(self.number, self.key, self.caller_prefix)
        (self.workdir / "citizen.xml").write_text(through_proxy(text) if self.via_proxy else text)
        self.started = time.monotonic()
        with (self.workdir / "stderr.log").open("wb") as stderr:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.command(), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr)
        return self

    def at(self) -> float:
        """Seconds since the load started."""
        return time.monotonic() - self.started

    def failed_so_far(self) -> int:
        """FailedCall(C) in the last line SIPp wrote to its statistics (every second, `-fd 1`)."""
        try:
            lines = (self.workdir / "stat.csv").read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return 0
        return failed_calls(lines)

    def wait(self) -> CitizenResult:
        assert self.proc is not None
        try:
            code = self.proc.wait(self.seconds + self.max_call_s + 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return CitizenResult.read(self.workdir, code, self.calls)


@dataclass
class CitizenResult:
    returncode: int
    planned: int
    created: int
    succeeded: int
    failed: int
    post_dial_ms: list[float]
    errors_tail: str

    @classmethod
    def read(cls, workdir: Path, returncode: int, planned: int) -> CitizenResult:
        last: dict[str, str] = {}
        stat = workdir / "stat.csv"
        if stat.exists():
            rows = list(csv.DictReader(stat.read_text(errors="replace").splitlines(), delimiter=";"))
            last = rows[-1] if rows else {}
        rtts: list[float] = []
        for path in workdir.glob("*_rtt.csv"):
            for line in path.read_text(errors="replace").splitlines()[1:]:
                parts = line.split(";")
                if len(parts) >= 2:
                    try:
                        rtts.append(float(parts[1]))
                    except ValueError:
                        continue
        errors = "".join(p.read_text(errors="replace")[-2000:] for p in workdir.glob("*_errors.log"))
        errors += (workdir / "stderr.log").read_text(errors="replace")[-1000:] if (workdir / "stderr.log").exists() \
            else ""

        def count(name: str) -> int:
            return int(float(last.get(name, "0") or 0))

        return cls(returncode, planned, count("TotalCallCreated"), count("SuccessfulCall(C)"),
                   count("FailedCall(C)"), rtts, errors[-3000:])


def failed_calls(lines: list[str]) -> int:
    rows = list(csv.DictReader([lines[0], lines[-1]] if len(lines) > 1 else [], delimiter=";"))
    try:
        return int(float(rows[-1].get("FailedCall(C)", "0") or 0)) if rows else 0
    except ValueError:  # a line SIPp is still writing
        return 0
