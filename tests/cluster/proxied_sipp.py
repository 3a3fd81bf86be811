"""SIPp behind Kamailio: the citizens' and advisers' scenarios of tests/e2e/scenarios, made to follow the proxy's
Record-Route (RFC 3261 §12: in-dialog requests carry the route set, answers echo Record-Route), and a citizen load
sent from the operator trunk's address.

Without this, a citizen's ACK and INFO would go to the proxy with no Route header and be dropped, and an adviser's
200 OK without Record-Route would let Asterisk send the BYE around the proxy (its dialog profile would stay busy).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from allo.setup import sipp
from allo.setup.procs import require
from bench.load import CitizenResult, through_proxy


def proxied_citizen(text: str) -> str:
    """A citizen scenario (allo.setup.sipp.citizen_scenario) whose ACK and INFO follow the dialog's route set (the
    bench's, bench/load.py)."""
    return through_proxy(text)


def proxied_adviser(talk_ms: int) -> str:
    """An adviser's phone answering calls relayed by the proxy, talking `talk_ms`, then hanging up through it."""
    text = (sipp.SCENARIO_DIR / "agent-answer.xml").read_text()
    text = text.replace('<recv request="INVITE" crlf="true">', '<recv request="INVITE" crlf="true" rrs="true">')
    text = text.replace("      [last_CSeq:]\n      Contact:", "      [last_CSeq:]\n      [last_Record-Route:]\n"
                        "      Contact:")
    text = text.replace("BYE [$remote_contact] SIP/2.0\n", "BYE [next_url] SIP/2.0\n      [routes]\n")
    # SIPp refuses a variable set and never used.
    unused = '      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="remote_contact" />\n'
    text = text.replace(unused, "")
    assert text.count("[last_Record-Route:]") == 2 and "[routes]" in text, text
    return text.replace("[talk_ms]", str(talk_ms))


class FromTrunk(sipp.Sipp):
    """A SIPp whose SIP and media leave from the trunk's address (`trunk`, a loopback alias such as 127.0.0.4)."""

    trunk = "127.0.0.4"

    def command(self, scenario_path: Path | None = None) -> list[str]:
        cmd = super().command(scenario_path)
        for flag in ("-i", "-mi"):
            cmd[cmd.index(flag) + 1] = self.trunk
        return cmd


def register(proxy_port: int, username: str, password: str, contact_port: int) -> sipp.SippResult:
    """REGISTER at the proxy with the contact on `contact_port` (one SIPp UAS answers for every adviser there)."""
    text = (sipp.SCENARIO_DIR / "agent-register.xml").read_text().replace(
        "Contact: <sip:[user]@[local_ip]:[local_port]>", f"Contact: <sip:[user]@[local_ip]:{contact_port}>")
    reg = sipp.Sipp("agent-register.xml", sipp.sip_target(proxy_port), {"user": username, "expires": "3600"},
                    extra=["-au", username, "-ap", password], timeout_s=15, scenario_text=text)
    return reg.run()


def advisers_uas(proxy_port: int, port: int, talk_ms: int) -> sipp.Sipp:
    return sipp.Sipp("adviser-proxied.xml", sipp.sip_target(proxy_port), calls=1_000_000, port=port,
                     timeout_s=3600, scenario_text=proxied_adviser(talk_ms), extra=["-max_socket", "1024"])


@dataclass
class TrunkLoad:
    """Citizens calling `number` through the proxy from the trunk's address at `rate` for `seconds`, pressing
    `key` 1.5 s after the answer, each from its own number (`prefix` + call number)."""

    proxy_port: int
    trunk_address: str
    rate: float
    seconds: float
    workdir: Path
    prefix: str
    number: str = "3939"
    key: str = "1"
    max_call_s: int = 20
    port: int = field(default_factory=sipp.free_port)
    media_port: int = field(default_factory=sipp.free_media_port)
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    @property
    def calls(self) -> int:
        return max(1, round(self.rate * self.seconds))

    def command(self) -> list[str]:
        return [require("sipp", "sip-tester"), sipp.sip_target(self.proxy_port), "-sf", "citizen.xml",
                "-i", self.trunk_address, "-mi", self.trunk_address, "-p", str(self.port),
                "-mp", str(self.media_port), "-r", f"{self.rate:g}", "-m", str(self.calls), "-l", "200",
                "-nostdin", "-recv_timeout", str(self.max_call_s * 1000),
                "-timeout", f"{int(self.seconds) + self.max_call_s + 30}s", "-timeout_error",
                "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_err"]

    def start(self) -> TrunkLoad:
        self.workdir.mkdir(parents=True, exist_ok=True)
        text = proxied_citizen(sipp.citizen_scenario(sipp.parse_key_steps(self.key, 1500)))
        text = text.replace("sip:3939@", f"sip:{self.number}@").replace("[caller]", f"{self.prefix}[call_number]")
        (self.workdir / "citizen.xml").write_text(text)
        self.started = time.monotonic()
        with (self.workdir / "stderr.log").open("wb") as stderr:
            self.proc = subprocess.Popen(self.command(), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr)
        return self

    def at(self) -> float:
        return time.monotonic() - self.started

    def wait(self) -> CitizenResult:
        assert self.proc is not None
        try:
            code = self.proc.wait(self.seconds + self.max_call_s + 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return CitizenResult.read(self.workdir, code, self.calls)
