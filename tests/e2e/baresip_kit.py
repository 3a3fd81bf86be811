"""A real softphone for an adviser: baresip 1.0 (Debian `baresip-core`) registered to the test Asterisk.

One process per adviser, with a private config dir (`-f dir`): no GUI or console module, g711 only, an 8 kHz WAV
played through `aufile` as the microphone (`ausine` refuses 8 kHz), and the calls' sound sent to an `aubridge`
device nobody reads (a null player). The account line carries `;answermode=auto`, so queue calls are answered at
once. The test drives it through `ctrl_tcp`: JSON in netstrings, `{"command", "params", "token"}` answered by
`{"response": true, "ok", "data", "token"}`; events are `{"event": true, "type", "class", ...}`.

Use `async with baresip_phone(settings, username, password) as phone:`; the process is stopped at the end (quit,
then SIGTERM, then SIGKILL, each with a deadline) and, when the block fails, its log and config are copied to
`<state dir>/baresip/` for the post-mortem.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance
from allo.setup.procs import require
from allo.setup.sipp import bindable, free_port

MODULES = ("g711.so", "aufile.so", "aubridge.so")
APP_MODULES = ("account.so", "menu.so", "ctrl_tcp.so")  # menu registers the commands (dial, hangup, transfer...)
MODULE_PATH = "/usr/lib/baresip/modules"
RTP_PORTS = "31000-31999"  # above the test Asterisk's 30000-30999, below the kernel's ephemeral range
Event = dict[str, Any]


def netstring(payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    return str(len(body)).encode() + b":" + body + b","


def split_netstrings(buffer: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """The complete netstrings at the start of `buffer`, decoded, and what remains (an incomplete one)."""
    messages: list[dict[str, Any]] = []
    while True:
        length, colon, rest = buffer.partition(b":")
        if not colon:
            return messages, buffer
        if not length.isdigit():
            raise ValueError(f"ctrl_tcp: not a netstring: {buffer[:80]!r}")
        size = int(length)
        if len(rest) < size + 1:
            return messages, buffer
        if rest[size:size + 1] != b",":
            raise ValueError(f"ctrl_tcp: netstring without its comma: {buffer[:80]!r}")
        messages.append(json.loads(rest[:size]))
        buffer = rest[size + 1:]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def registration_status(reginfo: str, username: str) -> str | None:
    """"OK" or "ERR" from `reginfo`'s line of the account (colour codes stripped), None while it is pending."""
    for line in ANSI.sub("", reginfo).splitlines():
        if f"sip:{username}@" in line:
            words = line.split()
            return next((w for w in words if w in ("OK", "ERR")), None)
    return None


def sip_and_tls_port() -> int:
    """baresip listens for SIP on `port` (UDP, TCP) and for TLS on `port + 1`: both must be free."""
    while True:
        port = free_port()
        if bindable(port + 1):
            return port


def config_text(sip_port: int, ctrl_port: int, source_wav: Path, device: str) -> str:
    lines = [
        "poll_method epoll",
        "statmode_default off",  # no call-status line every 100 ms in the log
        f"sip_listen 127.0.0.1:{sip_port}",
        "net_interface 127.0.0.1",
        f"audio_source aufile,{source_wav}",
        f"audio_player aubridge,{device}-null",  # nobody reads this aubridge device: the call's sound is dropped
        f"audio_alert aubridge,{device}-null",
        "audio_srate 8000",
        "audio_channels 1",
        f"rtp_ports {RTP_PORTS}",
        "rtp_timeout 0",
        f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        f"module_path {MODULE_PATH}",
        *(f"module {name}" for name in MODULES),
        *(f"module_app {name}" for name in APP_MODULES),
    ]
    return "\n".join(lines) + "\n"


def account_line(username: str, password: str, asterisk_sip_port: int) -> str:
    return (f"<sip:{username}@127.0.0.1:{asterisk_sip_port};transport=udp>;auth_user={username};"
            f"auth_pass={password};answermode=auto;regint=300;ptime=20")


def tone_wav(directory: Path, seconds: int = 60) -> Path:
    """An 8 kHz mono 16-bit WAV (a quiet 440 Hz tone): what the adviser 'says' (`ausine` refuses 8 kHz)."""
    path = directory / "adviser-8k.wav"
    if not path.exists():
        subprocess.run([require("sox", "sox"), "-n", "-r", "8000", "-c", "1", "-b", "16", str(path),
                        "synth", str(seconds), "sine", "440", "vol", "0.2"], check=True, timeout=30)
    return path


@dataclass
class CtrlTcp:
    """An asyncio client of baresip's ctrl_tcp: commands answered by token, events kept in order."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    events: list[Event] = field(default_factory=list)
    _pending: dict[str, asyncio.Future[Event]] = field(default_factory=dict)
    _next_token: int = 0
    _task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, port: int, deadline: float) -> CtrlTcp:
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
                continue
            client = cls(reader, writer)
            client._task = asyncio.create_task(client._read())
            return client

    async def _read(self) -> None:
        buffer = b""
        while chunk := await self.reader.read(65536):
            messages, buffer = split_netstrings(buffer + chunk)
            for message in messages:
                future = self._pending.pop(str(message.get("token")), None) if message.get("response") else None
                if future is not None and not future.done():
                    future.set_result(message)
                elif message.get("event"):
                    self.events.append(message)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("ctrl_tcp: baresip closed the connection"))

    async def command(self, name: str, params: str = "", timeout: float = 5.0) -> Event:
        self._next_token += 1
        token = f"t{self._next_token}"
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._pending[token] = future
        self.writer.write(netstring({"command": name, "params": params, "token": token}))
        await self.writer.drain()
        return await asyncio.wait_for(future, timeout)

    async def wait_event(self, kind: str, predicate: Callable[[Event], bool] = lambda _e: True,
                         timeout: float = 20.0, after: int = 0) -> Event:
        """The first event of type `kind` (e.g. CALL_ESTABLISHED) from index `after` on that `predicate` accepts."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events[after:]:
                if event.get("type") == kind and predicate(event):
                    return event
            if self._task is not None and self._task.done():
                raise AssertionError(f"baresip's ctrl_tcp closed before {kind}; events: {self.events[-20:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no baresip {kind} within {timeout} s; events: {self.events[-20:]}")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError, ValueError):
                await self._task


@dataclass
class BaresipPhone:
    """One adviser's baresip: its process, its private config dir and its ctrl_tcp client."""

    username: str
    password: str
    asterisk_sip_port: int
    home: Path
    sip_port: int = field(default_factory=sip_and_tls_port)
    ctrl_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    ctrl: CtrlTcp | None = None

    @property
    def log_path(self) -> Path:
        return self.home / "baresip.log"

    @property
    def aor(self) -> str:
        return f"sip:{self.username}@127.0.0.1:{self.asterisk_sip_port}"

    def write_config(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        wav = tone_wav(self.home)
        (self.home / "config").write_text(config_text(self.sip_port, self.ctrl_port, wav, self.username))
        (self.home / "accounts").write_text(account_line(self.username, self.password, self.asterisk_sip_port)
                                            + "\n")
        (self.home / "contacts").write_text("")

    async def start(self, timeout: float = 15.0) -> None:
        """Start baresip and connect to its ctrl_tcp (registration: `wait_registered`)."""
        self.write_config()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen([require("baresip", "baresip-core"), "-f", str(self.home)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.home)
        self.ctrl = await CtrlTcp.connect(self.ctrl_port, time.monotonic() + timeout)

    @property
    def events(self) -> list[Event]:
        return self.ctrl.events if self.ctrl is not None else []

    async def command(self, name: str, params: str = "") -> Event:
        if self.ctrl is None:
            raise AssertionError("baresip not started")
        reply = await self.ctrl.command(name, params)
        if not reply.get("ok"):
            raise AssertionError(f"baresip /{name} {params}: {reply}")
        return reply

    async def wait_event(self, kind: str, predicate: Callable[[Event], bool] = lambda _e: True,
                         timeout: float = 20.0, after: int = 0) -> Event:
        if self.ctrl is None:
            raise AssertionError("baresip not started")
        return await self.ctrl.wait_event(kind, predicate, timeout, after)

    async def wait_registered(self, timeout: float = 15.0) -> None:
        """Registered when Asterisk answered our REGISTER with 200 (`reginfo` says OK): the event may come before
        our ctrl_tcp connection, so ask until it does, and fail at once on REGISTER_FAIL."""
        deadline = time.monotonic() + timeout
        while True:
            failed = [e for e in self.events if e.get("type") == "REGISTER_FAIL"]
            if failed:
                raise AssertionError(f"{self.username}: registration refused: {failed[-1]}\n{self.log_tail()}")
            if any(e.get("type") == "REGISTER_OK" for e in self.events):
                return
            info = str((await self.command("reginfo")).get("data", ""))
            status = registration_status(info, self.username)
            if status == "OK":
                return
            if status == "ERR":
                raise AssertionError(f"{self.username}: registration refused: {info!r}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.username}: not registered within {timeout} s: {info!r}\n"
                                     f"{self.log_tail()}")
            await asyncio.sleep(0.1)

    async def dial(self, number: str) -> int:
        """Dial `number` at the test Asterisk; returns the index of the events after which to look for this call."""
        mark = len(self.events)
        await self.command("dial", f"sip:{number}@127.0.0.1:{self.asterisk_sip_port}")
        return mark

    async def feature_code(self, code: str) -> None:
        """Dial a feature code (*11 log in, *12 log out, *13 pause, *14 resume) and wait until Asterisk has
        answered it and then hung up after its confirmation."""
        mark = await self.dial(code)
        await self.wait_event("CALL_ESTABLISHED", after=mark, timeout=15)
        await self.wait_event("CALL_CLOSED", after=mark, timeout=20)

    async def hangup(self) -> None:
        await self.command("hangup")

    async def transfer(self, number: str) -> None:
        """Blind transfer of the current call by SIP REFER to `number` at the test Asterisk."""
        await self.command("transfer", f"sip:{number}@127.0.0.1:{self.asterisk_sip_port}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    async def stop(self, timeout: float = 5.0) -> None:
        """`quit` (unregisters), then SIGTERM, then SIGKILL, each with a deadline: no process left behind."""
        if self.ctrl is not None:
            with contextlib.suppress(Exception):
                await self.ctrl.command("quit", timeout=1.0)
            await self.ctrl.close()
        if self.proc is None:
            return
        for send in (None, signal.SIGTERM, signal.SIGKILL):
            if send is not None and self.proc.poll() is None:
                self.proc.send_signal(send)
            try:
                await asyncio.to_thread(self.proc.wait, timeout)
                return
            except subprocess.TimeoutExpired:
                continue

    def keep_logs(self, state_dir: Path) -> Path:
        target = state_dir / "baresip" / f"{self.username}-{time.strftime('%H%M%S')}"
        shutil.copytree(self.home, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.wav"))
        return target


@contextlib.asynccontextmanager
async def baresip_phone(settings: Settings, username: str, password: str, *,
                        register: bool = True) -> AsyncIterator[BaresipPhone]:
    """A registered baresip for `username` (the adviser's SIP account); stopped at the end, logs kept on failure."""
    home = settings.state_dir / "baresip-run" / f"{username}-{free_port()}"
    phone = BaresipPhone(username, password, settings.sip_port, home)
    try:
        await phone.start()
        if register:
            await phone.wait_registered()
        yield phone
    except BaseException:
        await phone.stop()
        kept = phone.keep_logs(settings.state_dir)
        print(f"[baresip] {username}: logs kept in {kept}\n{phone.log_tail()}")
        raise
    else:
        await phone.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def bridged_channels(concise: str, prefix: str) -> list[str]:
    """Channels named `prefix`… that are in a bridge, from `core show channels concise` (its last two fields are the
    bridge id and the Uniqueid; Data before them may hold anything, so the line is read from the right)."""
    return [line.split("!")[0] for line in concise.splitlines()
            if line.startswith(prefix) and line.count("!") >= 13 and line.split("!")[-2]]


async def wait_bridged(asterisk: AsteriskInstance, user: str, timeout: float = 15.0) -> None:
    """Until the adviser's channel is bridged with the caller. app_queue sends AgentConnect and the phone sees its
    200 OK *before* it bridges the two; a REFER in that gap finds no bridge, and Asterisk answers it 400
    (AST_BRIDGE_TRANSFER_INVALID). An adviser transfers after talking, i.e. once bridged: so does the test."""
    deadline = time.monotonic() + timeout
    while True:
        concise = await asyncio.to_thread(asterisk.cli, "core show channels concise", 10.0, False)
        if bridged_channels(concise, f"PJSIP/{user}-"):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"PJSIP/{user} not bridged within {timeout} s:\n{concise}")
        await asyncio.sleep(0.05)
