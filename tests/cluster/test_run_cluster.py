"""`make run-cluster` as a newcomer runs it: `allo run-cluster` on the fixed addresses of docs/scaling.md (Kamailio
127.0.0.1:5060, nodes a 127.0.0.2 and b 127.0.0.3, HTTP :8000 and :8001, pg_auto_failover on 55442-55444), its own
state dir under tmp_path (ALLO_STATE_DIR, as the Makefile leaves it to the environment), then `allo stop` (`make
stop`), and nothing left.

The rest of tests/cluster shares one cluster on free ports (conftest.py's session fixture, started by the first
module that asks for it and kept until the session ends). The ports do not clash, but two PostgreSQL formations and
four Asterisk at once are too much for two cores: this module does not use that fixture, and conftest.py runs it
first, before any module starts the shared cluster."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.cluster.launch import PG_HA_MONITOR_PORT, PG_HA_NODE_PORTS, PID_FILE
from allo.cluster.topology import run_topology
from allo.settings import Settings
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance, locate_asterisk_root
from allo.setup.pg_ha import PgAutoFailover
from allo.setup.procs import pid_alive
from tests.cluster.proxied_sipp import register, trunk_citizen

pytestmark = pytest.mark.e2e

ALLO = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "allo"
START_TIMEOUT_S = 300  # the pg_auto_failover formation is created on first start (about a minute here)
READY_LINE = "`make stop` stops the whole cluster"  # allo/cluster/launch.py's announce(), after both /healthz
ADVISER = "agent1001"


def fixed_ports(state: Path) -> list[tuple[str, str, int]]:
    """(protocol, address, port) of everything `allo run-cluster` listens on."""
    topology = run_topology(state)
    ports = [("udp", topology.proxy_address, topology.proxy_port), ("tcp", "127.0.0.1", Settings().smtp_port)]
    for node in topology.nodes:
        ports += [("udp", node.address, node.sip_port), ("tcp", node.address, node.ami_port),
                  ("tcp", node.address, node.agi_port), ("tcp", "127.0.0.1", node.http_port)]
    ports += [("tcp", "127.0.0.1", port) for port in (PG_HA_MONITOR_PORT, *PG_HA_NODE_PORTS)]
    return ports


def taken(ports: list[tuple[str, str, int]]) -> list[str]:
    busy = []
    for proto, address, port in ports:
        kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, kind) as sock:
            if kind == socket.SOCK_STREAM:  # a listener still conflicts; a connection in TIME_WAIT does not
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                busy.append(f"{proto} {address}:{port}")
    return busy


@dataclass
class Launcher:
    """`allo run-cluster` as a subprocess, its output collected line by line."""

    env: dict[str, str]
    proc: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([str(ALLO), "run-cluster"], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None and self.reader is not None
        returncode = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)  # its output read to the end, the pipe closed
        return returncode

    def output(self) -> str:
        return "\n".join(self.lines[-60:])

    def wait_ready(self, urls: list[str], timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while not (READY_LINE in "\n".join(self.lines) and all(_healthy(url) for url in urls)):
            if self.proc.poll() is not None:
                pytest.fail(f"allo run-cluster exited ({self.proc.returncode}) before it was ready:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"allo run-cluster not ready in {timeout:.0f} s; its progress:\n{self.output()}")
            time.sleep(0.5)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def recorded_pids(state: Path) -> set[int]:
    """Every live process the cluster's state dir records: the launcher, supervisors, `allo serve`, Kamailio, the
    mail sink, the pg_auto_failover keepers and their postmasters; both Asterisk (their run dir)."""
    files = list(state.rglob("*.pid"))
    pgha = state / "pgha"
    if pgha.exists():
        files += list(pgha.resolve().glob("*.pid")) + list(pgha.resolve().glob("*/postmaster.pid"))
    pids = set()
    for path in files:
        try:
            pids.add(int(path.read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            continue
    root = locate_asterisk_root(Settings())
    if root is not None:
        for node in run_topology(state).nodes:
            pid = AsteriskInstance(root, node.asterisk_instance).pid()
            if pid is not None:
                pids.add(pid)
    return {pid for pid in pids if pid_alive(pid)}


def allo_stop(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ALLO), "stop"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=240, check=False)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    state = tmp_path / "state"
    state.mkdir()
    yield state
    pgha = state / "pgha"
    if pgha.is_symlink():  # under /var/lib/allo when the postgres user cannot reach tmp_path
        shutil.rmtree(pgha.resolve(), ignore_errors=True)


async def latest_call_node(database_url: str, since: float) -> str | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(
                "SELECT node FROM calls WHERE started_at >= to_timestamp(:since) ORDER BY started_at DESC LIMIT 1"),
                {"since": since})).scalar()
    finally:
        await engine.dispose()


def test_run_cluster_serves_registers_answers_and_stops_clean(state: Path) -> None:
    ports = fixed_ports(state)
    busy = taken(ports)
    if busy:
        pytest.fail(f"make run-cluster's fixed ports are taken, nothing started: {', '.join(busy)} "
                    "(a `make run` or `make run-cluster` still up? `make stop` in its clone)")
    env = {**os.environ, "ALLO_STATE_DIR": str(state)}
    topology = run_topology(state)
    urls = [node.http_url for node in topology.nodes]
    launcher = Launcher(env)
    launcher.start()
    pids: set[int] = set()
    try:
        launcher.wait_ready(urls, START_TIMEOUT_S)
        pids = recorded_pids(state)
        # The launcher, 2 supervisors, 2 `allo serve`, Kamailio, the mail sink, 3 keepers and 3 postmasters, 2 Asterisk.
        assert launcher.proc.pid in pids and len(pids) >= 15, sorted(pids)
        for node in topology.nodes:
            health = httpx.get(f"{node.http_url}/healthz", timeout=5).json()
            assert (health["status"], health["node"]) == ("ok", node.name), health

        passwords = dict(line.split(" ", 1) for line in (state / "demo-agents.txt").read_text().splitlines() if line)
        registered = register(topology.proxy_port, ADVISER, passwords[ADVISER], sipp.free_port())
        assert registered.ok, registered.log
        refused = sipp.Sipp("register-wrong-password.xml", sipp.sip_target(topology.proxy_port), {"user": ADVISER},
                            extra=["-au", ADVISER, "-ap", "not-the-password"], timeout_s=10).run()
        assert refused.ok, refused.log  # the scenario passes only on a 401/403 to the wrong answer

        # A citizen through the trunk's address reaches node a's IVR (active/standby: a takes the new calls).
        since = time.time() - 1
        citizen = trunk_citizen(topology.proxy_port, caller="0655300001", hang_up_after_ms=3000, timeout_s=30).run()
        assert citizen.ok, citizen.log
        secrets = Settings.load(state)
        database_url = PgAutoFailover(state, PG_HA_MONITOR_PORT, PG_HA_NODE_PORTS).url(
            secrets.pg_password.get_secret_value())
        deadline = time.monotonic() + 15
        while (node := asyncio.run(latest_call_node(database_url, since))) != "a":
            assert time.monotonic() < deadline, f"no call row of node a after the trunk call (latest: {node})"
            time.sleep(0.3)
    finally:
        if launcher.proc is not None and (launcher.proc.poll() is None or (state / PID_FILE).exists()):
            stopped = allo_stop(env)
            assert stopped.returncode == 0, stopped.stdout
            launcher.wait_exit(timeout=180)
    deadline = time.monotonic() + 30
    while (left := {pid for pid in pids if pid_alive(pid)}) or taken(ports):
        assert time.monotonic() < deadline, (f"after allo stop: processes {sorted(left)} alive, ports "
                                             f"{taken(ports)} taken; launcher's output:\n{launcher.output()}")
        time.sleep(0.3)
    assert launcher.proc.returncode == 0, launcher.output()
