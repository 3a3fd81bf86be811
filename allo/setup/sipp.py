"""Drive SIPp as citizens (UAC, DTMF over SIP INFO) and agents (REGISTER then UAS) against our Asterisk.

Used by the end-to-end tests and by `allo call`. Scenario files live in tests/e2e/scenarios/.
"""

from __future__ import annotations

import random
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from allo.errors import AlloError
from allo.setup.procs import require

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "tests" / "e2e" / "scenarios"


class SippError(AlloError):
    """SIPp could not run or a scenario failed."""


# Ports handed out by this process: a port is chosen long before its server binds it (a test session's settings
# at start, its Asterisk minutes later), so it must not be handed out twice meanwhile.
_HANDED_OUT: set[int] = set()
# Below the kernel's ephemeral range (where outgoing connections take their local port, and could take a chosen
# port before its server binds it), and outside the RTP ranges of `make run` (20000-20999) and the tests (30000+).
PORT_POOL: tuple[int, ...] = (*range(10000, 20000, 2), *range(21000, 30000, 2))


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> range:
    try:
        low, high = (int(part) for part in path.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return range(low, high + 1)


def bindable(port: int) -> bool:
    """Whether `port` on loopback can be bound now, for both UDP and TCP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        try:
            udp.bind(("127.0.0.1", port))
            tcp.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """An even port free for both UDP and TCP on loopback (SIP and RTP use UDP), never handed out before by this
    process and outside the kernel's ephemeral range."""
    ephemeral = ephemeral_range()
    candidates = [port for port in PORT_POOL if port not in ephemeral and port not in _HANDED_OUT]
    for port in random.sample(candidates, min(200, len(candidates))):
        if bindable(port):
            _HANDED_OUT.add(port)
            return port
    raise SippError("no free port")


def free_media_port() -> int:
    """An even port P with P..P+3 free: SIPp binds audio RTP/RTCP on P, P+1 and video on P+2, P+3 (a video port
    taken by another run made SIPp fail with "Unable to bind video RTP socket")."""
    ephemeral = ephemeral_range()
    candidates = [port for port in PORT_POOL if all(p not in ephemeral and p not in _HANDED_OUT
                                                    for p in range(port, port + 4))]
    for port in random.sample(candidates, min(200, len(candidates))):
        if all(bindable(p) for p in range(port, port + 4)):
            _HANDED_OUT.update(range(port, port + 4))
            return port
    raise SippError("no free media ports")


@dataclass
class SippResult:
    returncode: int
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Sipp:
    """One SIPp process bound to its own SIP and media ports on loopback."""

    scenario: str
    target: str
    keys: dict[str, str] = field(default_factory=dict)
    calls: int = 1
    rate: float = 1.0
    extra: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    media_port: int = field(default_factory=free_media_port)
    timeout_s: int = 60
    scenario_text: str | None = None  # generated scenario (replaces the file named by `scenario`)
    keep_messages: bool = False  # the SIP message trace in the result's log even when the scenario passed
    bind: str = "127.0.0.1"  # SIPp's own SIP and media address (a loopback alias such as the trunk's 127.0.0.4)
    _proc: subprocess.Popen[str] | None = None
    _workdir: tempfile.TemporaryDirectory[str] | None = None

    def command(self, scenario_path: Path | None = None) -> list[str]:
        scenario = scenario_path or SCENARIO_DIR / self.scenario
        cmd = [require("sipp", "sip-tester"), self.target, "-sf", str(scenario),
               "-i", self.bind, "-mi", self.bind, "-p", str(self.port), "-mp", str(self.media_port),
               "-m", str(self.calls), "-r", str(self.rate), "-nostdin", "-timeout", f"{self.timeout_s}s",
               "-timeout_error", "-trace_err", "-trace_msg", "-trace_stat", "-fd", "1",
               "-recv_timeout", str(self.timeout_s * 1000)]
        for key, value in self.keys.items():
            cmd += ["-key", key, value]
        return cmd + self.extra

    def start(self) -> Sipp:
        self._workdir = tempfile.TemporaryDirectory(prefix="allo-sipp-")
        scenario_path = None
        if self.scenario_text is not None:
            scenario_path = Path(self._workdir.name) / self.scenario
            scenario_path.write_text(self.scenario_text)
        self._proc = subprocess.Popen(self.command(scenario_path), cwd=self._workdir.name, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        return self

    def wait(self, timeout: float | None = None) -> SippResult:
        if self._proc is None or self._workdir is None:
            raise SippError("SIPp not started")
        try:
            _, stderr = self._proc.communicate(timeout=timeout or self.timeout_s + 15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            _, stderr = self._proc.communicate()
        ok = self._proc.returncode == 0 and not self.keep_messages
        logs = ["*_errors.log"] if ok else ["*_errors.log", "*_messages.log"]
        log = stderr + "".join(p.read_text(errors="replace")[-20000:]
                               for pattern in logs for p in Path(self._workdir.name).glob(pattern))
        result = SippResult(self._proc.returncode, log)
        self._workdir.cleanup()
        return result

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        if self._workdir is not None and self._proc is not None:
            self.wait(5)

    def run(self) -> SippResult:
        return self.start().wait()


def sip_target(sip_port: int) -> str:
    return f"127.0.0.1:{sip_port}"


INFO_SEND = """
  <send retrans="500">
    <![CDATA[
      INFO sip:3939@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:3939@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} INFO
      Contact: <sip:[caller]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={signal}
      Duration=160
    ]]>
  </send>
  <recv response="200" />
"""  # one DTMF key by SIP INFO ({cseq}, {signal}); From/Contact use the scenario's [caller]
INFO_DTMF = '\n  <pause milliseconds="{pause}" />' + INFO_SEND
KEYS_MARK = "  <!-- KEYS: allo.setup.sipp inserts here one SIP INFO per key, with the pauses between inputs -->"
DTMF_SIGNALS = set("0123456789*#")
KEY_GAP_MS = 200


def parse_key_steps(keys: str, gap_ms: int) -> list[tuple[int, str]]:
    """"2,1234#,1" -> [(gap, "2"), (gap, "1234#"), (gap, "1")]; "2@3000" waits 3000 ms before that input."""
    steps = []
    for part in (p.strip() for p in keys.split(",")):
        if not part:
            continue
        digits, _, wait = part.partition("@")
        if not digits or set(digits) - DTMF_SIGNALS or (wait and not (wait.isascii() and wait.isdigit())):
            raise SippError(f"bad key step {part!r}: DTMF keys 0-9 * # and an optional @milliseconds")
        steps.append((int(wait) if wait else gap_ms, digits))
    return steps


def citizen_scenario(steps: list[tuple[int, str]], base_name: str = "citizen.xml") -> str:
    """A citizen scenario with one SIP INFO per key: each input after its pause, its keys 200 ms apart."""
    base = (SCENARIO_DIR / base_name).read_text()
    blocks, cseq = [], 2
    for pause, digits in steps:
        for index, key in enumerate(digits):
            blocks.append(INFO_DTMF.format(pause=pause if index == 0 else KEY_GAP_MS, cseq=cseq, signal=key))
            cseq += 1
    return base.replace(KEYS_MARK, "".join(blocks))


def citizen(sip_port: int, *, caller: str = "0612345678", keys: str = "", gap_ms: int = 1500,
            calls: int = 1, rate: float = 1.0, timeout_s: int = 90) -> Sipp:
    """A citizen calling 3939, pressing `keys` (see parse_key_steps), staying until the far end hangs up."""
    text = citizen_scenario(parse_key_steps(keys, gap_ms)) if keys else None
    return Sipp("citizen.xml", sip_target(sip_port), {"caller": caller}, calls=calls, rate=rate,
                timeout_s=timeout_s, scenario_text=text)


def citizen_hanging_up(sip_port: int, *, caller: str = "0612345678", after_ms: int = 2000, keys: str = "",
                       gap_ms: int = 1500) -> Sipp:
    """A citizen who presses `keys`, then hangs up `after_ms` later (in the menu or while queued)."""
    text = citizen_scenario(parse_key_steps(keys, gap_ms), "citizen-hangup.xml") if keys else None
    return Sipp("citizen-hangup.xml", sip_target(sip_port), {"caller": caller, "listen_ms": str(after_ms)},
                timeout_s=60, scenario_text=text)


def register_agent(sip_port: int, username: str, password: str, port: int, expires: int = 3600) -> SippResult:
    reg = Sipp("agent-register.xml", sip_target(sip_port), {"user": username, "expires": str(expires)},
               extra=["-au", username, "-ap", password], port=port, timeout_s=10)
    return reg.run()


def agent(sip_port: int, port: int, *, calls: int = 1, talk_ms: int = 1000, timeout_s: int = 120) -> Sipp:
    """A UAS on `port` (where the agent registered) answering `calls` queue calls."""
    return Sipp("agent-answer.xml", sip_target(sip_port), {"talk_ms": str(talk_ms)}, calls=calls, port=port,
                timeout_s=timeout_s)


def agent_until_bye(sip_port: int, port: int, *, timeout_s: int = 120) -> Sipp:
    """A level-1 agent (UAS on `port`) who answers one call and stays until Asterisk ends the leg."""
    return Sipp("agent-transferred.xml", sip_target(sip_port), calls=1, port=port, timeout_s=timeout_s)


def agent_refer(sip_port: int, port: int, number: str, *, talk_ms: int = 1500, timeout_s: int = 60) -> Sipp:
    """A level-1 agent (UAS on `port`) who answers one call, then blind-transfers it by SIP REFER to `number`."""
    return Sipp("agent-refer.xml", sip_target(sip_port), {"talk_ms": str(talk_ms), "refer_to": number}, calls=1,
                port=port, timeout_s=timeout_s)


def agent_dial(sip_port: int, username: str, password: str, number: str) -> Sipp:
    """An agent's phone dialling `number` (e.g. a feature code "*11"), authenticating as `username`."""
    return Sipp("agent-dial.xml", sip_target(sip_port), {"user": username},
                extra=["-s", number, "-au", username, "-ap", password], timeout_s=30)
