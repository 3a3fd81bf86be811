"""Kamailio, the SIP proxy in front of the Asterisk nodes (docs/scaling.md): render `kamailio-conf/kamailio.cfg`,
check it with `kamailio -c`, start it in the background, wait until it answers, stop or kill it."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import select
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from allo.errors import ConfigError, SetupError
from allo.setup.procs import pid_alive, run, say

TEMPLATE = Path(__file__).resolve().parents[2] / "kamailio-conf" / "kamailio.cfg"
KAMAILIO = "/usr/sbin/kamailio"
MODULES_DIR = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
PLACEHOLDER = re.compile(r"@@([A-Z][A-Z0-9_]*)@@")
URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")
REALM = "allo"  # the realm of the agents' stored MD5(user:allo:password)


@dataclass(frozen=True)
class KamailioConf:
    """What the proxy needs to know. `nodes` are the Asterisk nodes as "host:port", by priority (first = node a);
    `trunk_match` has ALLO_TRUNK_MATCH's syntax (comma list of addresses or networks); `trunk_target` is the
    "host:port" where the operator receives the calls we place (callbacks)."""

    listen: str
    port: int
    trunk_match: str
    nodes: tuple[str, ...]
    db_urls: tuple[str, ...]  # one per database host, allo's order (kamailio_db_urls)
    trunk_target: str
    run_dir: Path
    probe_interval_s: int = 1
    probing_threshold: int = 1
    inactive_threshold: int = 1
    fr_timer_ms: int = 2000
    children: int = 2

    def __post_init__(self) -> None:
        if isinstance(self.db_urls, str):  # a string is a sequence too: each character would become a host
            raise TypeError("KamailioConf.db_urls is a tuple of addresses, not one string")

    @property
    def address(self) -> str:
        return f"{self.listen}:{self.port}"


def host_port(value: str, what: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise ConfigError(f"{what}: expected an IPv4 address and a port (host:port), got {value!r}") from None
    if not sep or not 0 < number < 65536:
        raise ConfigError(f"{what}: expected host:port, got {value!r}")
    return host, number


def trunk_networks(trunk_match: str) -> str:
    """ALLO_TRUNK_MATCH (addresses or networks, comma separated) as the CIDR list ipops' is_in_subnet reads."""
    nets = []
    for part in (p.strip() for p in trunk_match.split(",")):
        if not part:
            continue
        try:
            nets.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(f"trunk match: {part!r} is not an address or a network (no host names)") from None
    if not nets:
        raise ConfigError("trunk match is empty: Kamailio would have no trunk")
    return ",".join(nets)


def kamailio_db_urls(asyncpg_dsn: str) -> tuple[str, ...]:
    """The `postgres://` addresses db_postgres reads, one per host of allo's DSN, in its order: db_postgres knows
    one host and no query options, so a multi-host DSN (pg_auto_failover's pair) becomes a db_cluster of them."""
    parts = urlsplit(asyncpg_dsn)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    listed = hosts.split(",")
    if parts.scheme not in {"postgresql", "postgres"} or not all(listed) or any(h.startswith(":") for h in listed):
        raise ConfigError("Kamailio needs a PostgreSQL address with a host (postgresql://user:pw@host:port/db)")
    user, _, password = (unquote(p) for p in userinfo.partition(":"))
    if not URL_SAFE.fullmatch(user) or not URL_SAFE.fullmatch(password):
        # db_postgres splits its URL on ':' '@' '/' and decodes nothing: such characters cannot be carried.
        raise ConfigError("Kamailio's database address: user and password must be letters, digits, - _ . ~ "
                          "(allo's generated passwords are)")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return tuple(f"postgres://{auth}{host}{parts.path}" for host in listed)


def db_settings(urls: tuple[str, ...]) -> tuple[str, str]:
    """auth_db's db_url and the lines that define it: one host is used directly; several form a db_cluster read
    serially by priority (the first that answers; a failed one is set aside for 10 s)."""
    if not urls:
        raise ConfigError("Kamailio needs the database's address")
    for url in urls:
        if '"' in url or "\n" in url:
            raise ConfigError("the database address must not contain quotes or line breaks")
    if len(urls) == 1:
        return urls[0], ""
    if len(urls) > 9:
        raise ConfigError("db_cluster ranks at most 9 database hosts")
    lines = ['loadmodule "db_cluster.so"']
    lines += [f'modparam("db_cluster", "connection", "pg{rank}=>{url}")' for rank, url in enumerate(urls)]
    ranks = ";".join(f"pg{rank}={9 - rank}s{9 - rank}s" for rank in range(len(urls)))
    lines += [f'modparam("db_cluster", "cluster", "allo=>{ranks}")', 'modparam("db_cluster", "inactive_interval", 10)']
    return "cluster://allo", "\n".join(lines)


def render_cfg(conf: KamailioConf) -> str:
    if not conf.nodes:
        raise ConfigError("Kamailio needs at least one Asterisk node")
    for node in conf.nodes:
        host_port(node, "node")
    host_port(conf.address, "listen")
    trunk_host, trunk_port = host_port(conf.trunk_target, "trunk target")
    db_url, db_cluster = db_settings(conf.db_urls)
    values = {
        "LISTEN": conf.listen, "PORT": str(conf.port), "CHILDREN": str(conf.children),
        "RUN_DIR": str(conf.run_dir), "DB_URL": db_url, "DB_CLUSTER": db_cluster, "REALM": REALM,
        "TRUNK_NETS": trunk_networks(conf.trunk_match), "TRUNK_HOST": trunk_host, "TRUNK_PORT": str(trunk_port),
        "FR_TIMER_MS": str(conf.fr_timer_ms), "PROBE_INTERVAL_S": str(conf.probe_interval_s),
        "PROBING_THRESHOLD": str(conf.probing_threshold), "INACTIVE_THRESHOLD": str(conf.inactive_threshold),
    }

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise ConfigError(f"kamailio.cfg: unknown placeholder @@{match.group(1)}@@")
        return values[match.group(1)]

    return PLACEHOLDER.sub(substitute, TEMPLATE.read_text())


def render_dispatcher(conf: KamailioConf) -> str:
    """dispatcher.list: set 1, the nodes with decreasing priority (algorithm 8 takes the highest first)."""
    lines = ["# set destination flags priority attributes"]
    for rank, node in enumerate(conf.nodes):
        lines.append(f"1 sip:{node} 0 {len(conf.nodes) - rank} node={rank}")
    return "\n".join(lines) + "\n"


def check_cfg(path: Path) -> None:
    """`kamailio -c`: the configuration parses and every module loads."""
    proc = run([KAMAILIO, "-c", "-f", str(path), "-L", MODULES_DIR], check=False, timeout=30)
    if proc.returncode != 0:
        raise ConfigError(f"kamailio -c refused {path}:\n{(proc.stderr or proc.stdout).strip()[-3000:]}")


def sip_options_ok(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a SIP server answers 200 to an OPTIONS without a user (Kamailio's keepalive)."""
    call_id = uuid.uuid4().hex
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host if host.startswith("127.") else "0.0.0.0", 0))
        local_host, local_port = sock.getsockname()
        message = (f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {local_host}:{local_port};branch=z9hG4bK{call_id[:16]};rport\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:probe@{local_host}>;tag={call_id[:8]}\r\n"
                   f"To: <sip:{host}:{port}>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        sock.settimeout(timeout)
        try:
            sock.sendto(message.encode(), (host, port))
            reply = sock.recv(4096).decode(errors="replace")
        except OSError:
            return False
    return reply.startswith("SIP/2.0 200")


def _read_fifo(fd: int, timeout: float) -> str:
    """The whole text written to the FIFO open for reading as `fd` by its writer, within `timeout`."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk and chunks:
            break  # the writer closed after writing
        if not chunk:
            time.sleep(0.01)  # no writer yet: a FIFO without one reads as end of file
            continue
        chunks.append(chunk)
    if not chunks:
        raise SetupError(f"Kamailio did not answer its RPC within {timeout:.0f} s")
    return b"".join(chunks).decode()


@dataclass
class KamailioProcess:
    """One Kamailio with its own run directory (cfg, dispatcher list, pid file, log, RPC fifo)."""

    conf: KamailioConf
    _child: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def cfg_path(self) -> Path:
        return self.conf.run_dir / "kamailio.cfg"

    @property
    def pid_file(self) -> Path:
        return self.conf.run_dir / "kamailio.pid"

    @property
    def log_file(self) -> Path:
        return self.conf.run_dir / "kamailio.log"

    def render(self) -> Path:
        """Write the cfg and the dispatcher list, then check them with `kamailio -c`."""
        self.conf.run_dir.mkdir(parents=True, exist_ok=True)
        (self.conf.run_dir / "dispatcher.list").write_text(render_dispatcher(self.conf))
        self.cfg_path.write_text(render_cfg(self.conf))
        self.cfg_path.chmod(0o600)  # it holds the database password
        check_cfg(self.cfg_path)
        return self.cfg_path

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        return pid is not None and pid_alive(pid)

    def rpc(self, method: str, *params: str | int, timeout: float = 5.0) -> Any:
        """One JSON-RPC command over Kamailio's FIFO (e.g. `dispatcher.list`, `dlg.profile_get_size`): its result."""
        reply_name = f"reply-{uuid.uuid4().hex[:12]}"
        reply = self.conf.run_dir / reply_name
        os.mkfifo(reply, 0o600)
        request = {"jsonrpc": "2.0", "method": method, "params": list(params), "reply_name": reply_name, "id": 1}
        # The reply FIFO is open for reading before the request leaves: Kamailio's open for writing then succeeds.
        reader = os.open(reply, os.O_RDONLY | os.O_NONBLOCK)
        try:
            fifo = os.open(self.conf.run_dir / "kamailio_rpc.fifo", os.O_WRONLY | os.O_NONBLOCK)
            with os.fdopen(fifo, "w") as out:
                out.write(json.dumps(request) + "\n")
            answer = _read_fifo(reader, timeout)
        finally:
            os.close(reader)
            reply.unlink(missing_ok=True)
        document = json.loads(answer)
        if "error" in document:
            raise SetupError(f"Kamailio RPC {method}: {document['error']}")
        return document.get("result")

    def answers(self) -> bool:
        return sip_options_ok(self.conf.listen, self.conf.port)

    def start(self, timeout: float = 20.0) -> None:
        """Render, start in the background and wait until it answers an OPTIONS."""
        if self.running() and self.answers():
            return
        self.render()
        say(f"starting Kamailio on {self.conf.address} (nodes {', '.join(self.conf.nodes)})")
        self.pid_file.unlink(missing_ok=True)
        with self.log_file.open("ab") as log:
            # -DD: stay in the foreground (its children are ours to reap); -E: log to stderr = our log file.
            self._child = subprocess.Popen(
                [KAMAILIO, "-DD", "-E", "-f", str(self.cfg_path), "-P", str(self.pid_file), "-L", MODULES_DIR,
                 "-Y", str(self.conf.run_dir), "-m", "64", "-M", "8"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._child.poll() is not None:
                raise SetupError(f"Kamailio exited with {self._child.returncode}; see {self.log_file}")
            if self.answers():
                return
            time.sleep(0.1)
        self.kill()
        raise SetupError(f"Kamailio did not answer on {self.conf.address} within {timeout:.0f} s; see {self.log_file}")

    def _main_pid(self) -> int | None:
        return self._child.pid if self._child is not None else self.pid()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Kamailio stops its children), then SIGKILL of its process group after `timeout`."""
        pid = self._main_pid()
        if pid is None or not pid_alive(pid):
            self._reap()
            return
        say(f"stopping Kamailio ({self.conf.address})")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            self.kill()
        self._reap()

    def kill(self) -> None:
        """kill -9 of the whole process group (Kamailio's workers share it)."""
        pid = self._main_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        if self._child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._child.wait(5)
            self._child = None
        self.pid_file.unlink(missing_ok=True)
