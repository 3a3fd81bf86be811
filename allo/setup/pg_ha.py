"""PostgreSQL and its synchronous standby, promoted automatically by pg_auto_failover (docs/scaling.md § The
database): one monitor and two data nodes on this machine, each a `pg_autoctl run` process owned by the
`postgres` user (PostgreSQL refuses root), their data and logs under one directory of the state dir.

`PgAutoFailover(state_dir, monitor_port, node_ports).start(password)` creates what is missing, runs the three
keepers in the background, waits for a primary and its synchronous standby, and creates allo's role and
database; `.migrate(password)` brings allo's schema; `.url(password)` is allo's multi-host address
(`ALLO_DATABASE_URL`); `.stop()` stops the keepers cleanly (from any process: pids are in the state dir).

Synchronous replication: the standby is in the replication quorum (`synchronous_standby_names = 'ANY 1 (...)'`,
`synchronous_commit = on`), so a commit is acknowledged only once the standby has flushed it. While the standby is
away the monitor drops the quorum (`wait_primary`) so that writes go on: nothing is lost unless both die.
The formation trusts connections from this machine's loopback (`--auth trust`, `--no-ssl`): a one-machine test
and demo topology, not a production one. The tests' helpers:
`.primary()`, `.kill_node()` (kill -9 of a node's keeper and postgres), `.wait_primary()`, `.restart_node()`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from allo.db.migrate import upgrade_head
from allo.errors import SetupError
from allo.setup.postgres import PG_USER, pg_bin
from allo.setup.procs import as_user, pid_alive, require, run, say


@dataclass(frozen=True)
class FailoverTimeouts:
    """How fast a dead primary is replaced. pg_auto_failover's defaults (health check every 5 s, unhealthy after
    20 s, demote timeout 30 s) take about a minute; these take about ten seconds on this machine. The keeper's
    network-partition timeout must stay below the monitor's demote timeout: a primary cut off from the monitor
    demotes itself before the standby may be promoted (no two primaries)."""

    health_check_period_ms: int = 1000
    health_check_timeout_ms: int = 1000
    health_check_max_retries: int = 1
    health_check_retry_delay_ms: int = 500
    node_considered_unhealthy_timeout_ms: int = 2000
    primary_demote_timeout_ms: int = 4000
    startup_grace_period_ms: int = 2000
    network_partition_timeout_s: int = 3
    postgresql_restart_failure_timeout_s: int = 3
    postgresql_restart_failure_max_retries: int = 1

    def monitor_settings(self) -> dict[str, str]:
        return {
            "pgautofailover.health_check_period": str(self.health_check_period_ms),
            "pgautofailover.health_check_timeout": str(self.health_check_timeout_ms),
            "pgautofailover.health_check_max_retries": str(self.health_check_max_retries),
            "pgautofailover.health_check_retry_delay": str(self.health_check_retry_delay_ms),
            "pgautofailover.node_considered_unhealthy_timeout": str(self.node_considered_unhealthy_timeout_ms),
            "pgautofailover.primary_demote_timeout": str(self.primary_demote_timeout_ms),
            "pgautofailover.startup_grace_period": str(self.startup_grace_period_ms),
        }

    def keeper_settings(self) -> dict[str, str]:
        return {
            "timeout.network_partition_timeout": str(self.network_partition_timeout_s),
            "timeout.postgresql_restart_failure_timeout": str(self.postgresql_restart_failure_timeout_s),
            "timeout.postgresql_restart_failure_max_retries": str(self.postgresql_restart_failure_max_retries),
        }


WRITABLE_STATES = frozenset({"primary", "wait_primary", "single"})


@dataclass(frozen=True)
class FormationEvent:
    at: datetime
    node: str
    reported: str
    goal: str


@dataclass(frozen=True)
class NodeState:
    name: str
    port: int
    reported: str
    goal: str

    @property
    def writable(self) -> bool:
        """A primary that accepts writes: `primary` (with its standby) or `wait_primary` (standby away)."""
        return self.reported == self.goal and self.reported in WRITABLE_STATES


FORMATION_DB = "pg_auto_failover"
# The keepers this process started, by pid: kept so that they are reaped (and Python does not warn that they ran
# on when their handle went away); another process (`make stop`) finds them by their pid files.
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


@dataclass
class PgAutoFailover:
    state_dir: Path
    monitor_port: int
    node_ports: tuple[int, int]
    host: str = "127.0.0.1"
    timeouts: FailoverTimeouts = field(default_factory=FailoverTimeouts)

    # -- places -------------------------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """`<state>/pgha`, or a linked dir under /var/lib/allo when the postgres user cannot reach the state dir."""
        wanted = (self.state_dir / "pgha").absolute()
        if wanted.is_symlink() or wanted.is_dir():
            return wanted.resolve()
        if os.geteuid() == 0 and not _reachable_by_postgres(self.state_dir.absolute()):
            digest = hashlib.sha256(str(wanted).encode()).hexdigest()[:10]
            real = Path("/var/lib/allo") / f"pgha-{digest}"
            real.mkdir(parents=True, exist_ok=True)
            wanted.parent.mkdir(parents=True, exist_ok=True)
            wanted.symlink_to(real)
            return real
        wanted.mkdir(parents=True, exist_ok=True)
        return wanted

    def names(self) -> tuple[str, ...]:
        return ("monitor", "node1", "node2")

    def pgdata(self, name: str) -> Path:
        return self.root / name

    def _port(self, name: str) -> int:
        return self.monitor_port if name == "monitor" else self.node_ports[int(name[-1]) - 1]

    def _pidfile(self, name: str) -> Path:
        return self.root / f"{name}.keeper.pid"

    def _env(self) -> list[str]:
        # pg_autoctl keeps its configuration and state under XDG dirs: ours, not the postgres user's home.
        return [f"XDG_CONFIG_HOME={self.root / 'config'}", f"XDG_DATA_HOME={self.root / 'data'}",
                f"PG_CONFIG={pg_bin() / 'pg_config'}"]

    def _autoctl(self, *args: str, timeout: float = 120.0, check: bool = True) -> str:
        cmd = as_user(PG_USER, ["env", *self._env(), "pg_autoctl", *args])
        return run(cmd, timeout=timeout, check=check).stdout

    def monitor_uri(self) -> str:
        return f"postgres://autoctl_node@{self.host}:{self.monitor_port}/{FORMATION_DB}?sslmode=disable"

    # -- life -------------------------------------------------------------------------------------------------
    def start(self, password: str, timeout: float = 180.0) -> None:
        """Create what is missing, run the keepers, wait for primary + synchronous standby, create allo's role
        and database. Idempotent: a started formation is left as it is."""
        require("pg_autoctl", "postgresql-15-auto-failover")
        root = self.root
        if os.geteuid() == 0:
            shutil.chown(root, PG_USER, PG_USER)
        deadline = time.monotonic() + timeout
        if not (self.pgdata("monitor") / "PG_VERSION").exists():
            say(f"creating the pg_auto_failover monitor on {self.host}:{self.monitor_port}")
            self._autoctl("create", "monitor", "--pgdata", str(self.pgdata("monitor")), "--pgport",
                          str(self.monitor_port), "--hostname", self.host, "--auth", "trust", "--no-ssl",
                          "--pgctl", str(pg_bin() / "pg_ctl"))
            # `create monitor` has no --listen: its postgres would listen on every address.
            with (self.pgdata("monitor") / "postgresql.auto.conf").open("a") as conf:
                conf.write(f"listen_addresses = '{self.host}'\n")
        self._run_keeper("monitor")
        self._wait(self._monitor_up, deadline, "the monitor did not start")
        self._tune_monitor()
        for name in ("node1", "node2"):
            if not (self.pgdata(name) / "PG_VERSION").exists():
                say(f"creating PostgreSQL {name} on {self.host}:{self._port(name)} (pg_auto_failover)")
                self._autoctl("create", "postgres", "--pgdata", str(self.pgdata(name)), "--pgport",
                              str(self._port(name)), "--hostname", self.host, "--name", name,
                              "--monitor", self.monitor_uri(), "--auth", "trust", "--no-ssl",
                              "--listen", self.host, "--replication-quorum", "true",
                              "--pgctl", str(pg_bin() / "pg_ctl"), timeout=max(10.0, deadline - time.monotonic()))
                for key, value in self.timeouts.keeper_settings().items():
                    self._autoctl("config", "set", "--pgdata", str(self.pgdata(name)), key, value)
            self._run_keeper(name)
            if name == "node1":
                self._wait(lambda: any(n.writable for n in self.states()), deadline, "no primary")
        self._wait(self._replicating, deadline, "the standby did not catch up")
        self.ensure_database(password)

    def _run_keeper(self, name: str) -> None:
        pid = self.keeper_pid(name)
        if pid is not None:
            return
        log = (self.root / f"{name}.log").open("ab")
        cmd = as_user(PG_USER, ["env", *self._env(), "pg_autoctl", "run", "--pgdata", str(self.pgdata(name))])
        # A session of its own: `kill_node` and `stop` reach the keeper and its children as one group.
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        _STARTED[proc.pid] = proc
        self._pidfile(name).write_text(str(proc.pid))

    def keeper_pid(self, name: str) -> int | None:
        try:
            pid = int(self._pidfile(name).read_text())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def postmaster_pid(self, name: str) -> int | None:
        try:
            pid = int((self.pgdata(name) / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if pid_alive(pid) else None

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the data nodes, then the monitor (their keepers stop their postgres first)."""
        for name in ("node2", "node1", "monitor"):
            if not self.pgdata(name).exists():
                continue
            self._autoctl("stop", "--pgdata", str(self.pgdata(name)), timeout=30, check=False)
            pid = self.keeper_pid(name)
            deadline = time.monotonic() + timeout / 3
            while pid is not None and pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid is not None and pid_alive(pid):
                _kill_group(pid, signal.SIGKILL)
            if pid is not None:
                _reap(pid)
            postmaster = self.postmaster_pid(name)
            if postmaster is not None:
                run(as_user(PG_USER, [str(pg_bin() / "pg_ctl"), "-D", str(self.pgdata(name)), "-m", "immediate",
                                      "stop"]), check=False, timeout=30)
            self._pidfile(name).unlink(missing_ok=True)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        link = (self.state_dir / "pgha").absolute()
        if link.is_symlink():
            link.unlink()

    # -- what the tests do to it -------------------------------------------------------------------------------
    def kill_node(self, name: str) -> None:
        """kill -9 of the node's keeper (its whole process group) and its postgres: a machine that died."""
        postmaster = self.postmaster_pid(name)
        keeper = self.keeper_pid(name)
        if keeper is not None:
            _kill_group(keeper, signal.SIGKILL)
        if postmaster is not None:
            os.kill(postmaster, signal.SIGKILL)

    def restart_node(self, name: str) -> None:
        """Run a killed node's keeper again: it rejoins the formation (as the standby when the other was
        promoted)."""
        self._pidfile(name).unlink(missing_ok=True)
        self._run_keeper(name)

    def states(self) -> list[NodeState]:
        """The data nodes as the monitor sees them; empty while the monitor does not answer."""
        out = self._monitor_sql("SELECT json_agg(json_build_object('name', nodename, 'port', nodeport, "
                                "'reported', reportedstate, 'goal', goalstate)) FROM pgautofailover.node")
        if not out.strip() or out.strip() == "":
            return []
        return [NodeState(r["name"], int(r["port"]), r["reported"], r["goal"]) for r in json.loads(out) or []]

    def events_since(self, since: datetime) -> list[FormationEvent]:
        """The monitor's log of state changes since `since` (oldest first): when it saw the failure, decided,
        and when the standby reported each step."""
        # A float we format ourselves: nothing to inject.
        query = ("SELECT json_agg(json_build_object('at', extract(epoch FROM eventtime), 'node', nodename, "  # noqa: S608
                 "'reported', reportedstate, 'goal', goalstate) ORDER BY eventid) FROM pgautofailover.event "
                 f"WHERE eventtime >= to_timestamp({since.timestamp():.6f})")
        out = self._monitor_sql(query)
        rows = json.loads(out) if out.strip() else None
        return [FormationEvent(datetime.fromtimestamp(float(r["at"]), UTC), r["node"], r["reported"], r["goal"])
                for r in rows or []]

    def primary(self) -> NodeState | None:
        writable = [node for node in self.states() if node.writable]
        return writable[0] if len(writable) == 1 else None

    def wait_primary(self, other_than: str | None = None, timeout: float = 60.0) -> NodeState:
        """The writable primary once there is one (not `other_than`)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.primary()
            # The monitor's view lags behind a restart: the node must also answer, out of recovery.
            if found is not None and found.name != other_than and self.accepts_writes(found.port):
                return found
            if time.monotonic() > deadline:
                raise SetupError(f"no new primary within {timeout:.0f} s: {self.states()}")
            time.sleep(0.1)

    def wait_standby(self, timeout: float = 120.0) -> None:
        """Until the formation has its primary and its synchronous standby again."""
        self._wait(self._replicating, time.monotonic() + timeout, "the standby did not come back")

    # -- allo's side ------------------------------------------------------------------------------------------
    def url(self, password: str, user: str = "allo", database: str = "allo") -> str:
        """allo's `ALLO_DATABASE_URL`: both data nodes; only the writable one is used."""
        hosts = "&".join(f"host={self.host}:{port}" for port in self.node_ports)
        return f"postgresql+asyncpg://{user}:{password}@/{database}?{hosts}&target_session_attrs=read-write"

    def ensure_database(self, password: str, user: str = "allo", database: str = "allo") -> None:
        if "'" in password:
            raise SetupError("the database password must not contain a quote")
        primary = self.wait_primary(timeout=60)
        exists = self._sql(primary.port, f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'").strip()  # noqa: S608
        self._sql(primary.port, f"{'ALTER' if exists else 'CREATE'} ROLE {user} LOGIN PASSWORD '{password}'")
        if not self._sql(primary.port, f"SELECT 1 FROM pg_database WHERE datname = '{database}'").strip():  # noqa: S608
            self._sql(primary.port, f"CREATE DATABASE {database} OWNER {user}")

    def accepts_writes(self, port: int) -> bool:
        return self._sql(port, "SELECT pg_is_in_recovery()", check=False).strip() == "f"

    def migrate(self, password: str) -> None:
        """allo's schema on the primary (the standby receives it by replication)."""
        upgrade_head(self.url(password))

    # -- inside -----------------------------------------------------------------------------------------------
    def _sql(self, port: int, sql: str, database: str = "postgres", check: bool = True) -> str:
        cmd = as_user(PG_USER, [str(pg_bin() / "psql"), "-h", self.host, "-p", str(port), "-U", "postgres", "-d",
                                database, "-v", "ON_ERROR_STOP=1", "-tAXc", sql])
        return run(cmd, timeout=20, check=check).stdout

    def _monitor_sql(self, sql: str) -> str:
        try:
            return self._sql(self.monitor_port, sql, FORMATION_DB, check=False)
        except subprocess.TimeoutExpired:
            return ""

    def _monitor_up(self) -> bool:
        return self._monitor_sql("SELECT 1").strip() == "1"

    def _tune_monitor(self) -> None:
        for key, value in self.timeouts.monitor_settings().items():
            self._sql(self.monitor_port, f"ALTER SYSTEM SET {key} = '{value}'", FORMATION_DB)
        self._sql(self.monitor_port, "SELECT pg_reload_conf()", FORMATION_DB)

    def _replicating(self) -> bool:
        """The monitor sees a primary and a secondary, and the primary really streams to a synchronous standby."""
        nodes = [node for node in self.states() if node.reported == node.goal]
        if {node.reported for node in nodes} != {"primary", "secondary"}:
            return False
        port = next(node.port for node in nodes if node.reported == "primary")
        sync = self._sql(port, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
                               "AND sync_state IN ('sync', 'quorum')", check=False)
        return sync.strip() not in {"", "0"}

    @staticmethod
    def _wait(done: Callable[[], bool], deadline: float, what: str) -> None:
        while not done():
            if time.monotonic() > deadline:
                raise SetupError(f"pg_auto_failover: {what}")
            time.sleep(0.2)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    _reap(pid)


def _reap(pid: int, timeout: float = 10.0) -> None:
    proc = _STARTED.pop(pid, None)
    if proc is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)


def _reachable_by_postgres(path: Path) -> bool:
    return run(as_user(PG_USER, ["test", "-x", str(path)]), check=False).returncode == 0
