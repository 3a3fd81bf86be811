"""`allo run-cluster`: the two-node topology of docs/scaling.md on this machine — PostgreSQL, two Asterisk, Kamailio
in front, one `allo supervise` per node — until SIGINT/SIGTERM (`make stop`), then everything stopped.

The pieces (a node's settings and state dir, Kamailio's configuration) are also what tests/cluster/conftest.py
starts its cluster from, so the tests run the topology `make run-cluster` runs."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from allo.auth.roles import Role
from allo.auth.users import DEMO_USERS_FILE, read_demo_users
from allo.cluster.topology import NodeSpec, Topology, node_overrides, run_topology, settings_env
from allo.settings import SECRETS_FILE, Settings
from allo.setup.asterisk import AsteriskInstance, locate_asterisk_root
from allo.setup.kamailio import KamailioConf, KamailioProcess, kamailio_db_urls
from allo.setup.mail_sink import start_mail_sink, stop_mail_sink
from allo.setup.pg_ha import PgAutoFailover
from allo.setup.postgres import PostgresCluster
from allo.setup.procs import pid_alive, say
from allo.setup.stack import SeededData, setup_asterisk, setup_database, setup_postgres

PID_FILE = "allo-run-cluster.pid"
# pg_auto_failover's monitor and its two data nodes (primary and synchronous standby) for `make run-cluster`.
PG_HA_MONITOR_PORT, PG_HA_NODE_PORTS = 55442, (55443, 55444)
# Carried to every node's allo besides its own overrides: the database they share.
SHARED_KEYS = ("pg_port", "database_url", "smtp_host", "smtp_port")


def node_settings(settings: Settings, topology: Topology, node: NodeSpec) -> Settings:
    """The cluster's settings made this node's (its Asterisk is rendered from them, its allo runs with them)."""
    return settings.model_copy(update=node_overrides(topology, node))


def node_env(settings: Settings, topology: Topology, node: NodeSpec) -> dict[str, str]:
    """ALLO_* variables of a node's allo process: its overrides and the shared database."""
    shared = {key: getattr(settings, key) for key in SHARED_KEYS if getattr(settings, key) is not None}
    return settings_env({**shared, **node_overrides(topology, node)})


def prepare_node_dir(settings: Settings, node: NodeSpec) -> None:
    """The node's own state dir, holding a link to the cluster's secrets (one set of keys for both nodes: the
    same pseudonyms, the same callback key, the same AMI secret)."""
    node.state_dir.mkdir(parents=True, exist_ok=True)
    link = node.state_dir / SECRETS_FILE
    target = (settings.state_dir / SECRETS_FILE).resolve()
    if link.is_symlink() and link.resolve() == target:
        return
    link.unlink(missing_ok=True)
    link.symlink_to(target)


def kamailio_conf(settings: Settings, topology: Topology, *, probe_interval_s: int = 1) -> KamailioConf:
    """Kamailio in front of the nodes (by priority: a, then b), its subscribers read from allo's database."""
    return KamailioConf(
        listen=topology.proxy_address, port=topology.proxy_port, trunk_match=topology.trunk_address,
        nodes=tuple(f"{n.address}:{n.sip_port}" for n in topology.nodes),
        db_urls=kamailio_db_urls(settings.asyncpg_dsn),
        trunk_target=topology.trunk_target,
        run_dir=topology.kamailio_dir, probe_interval_s=probe_interval_s)


SUPERVISE_PID = "allo-supervise.pid"


def supervise_node(settings: Settings, topology: Topology, node: NodeSpec) -> subprocess.Popen[bytes]:
    """`allo supervise` for one node, its output in the node's state dir."""
    with (node.state_dir / "supervise.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "allo.cli.main", "--state-dir", str(node.state_dir), "supervise"],
            env={**os.environ, **node_env(settings, topology, node)}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    (node.state_dir / SUPERVISE_PID).write_text(str(proc.pid))
    return proc


def stop_leftovers(settings: Settings) -> None:
    """What a killed `allo run-cluster` left: each node's supervisor (it drains its `allo serve`), Kamailio, both
    Asterisk, the mail sink, the database formation."""
    topology = run_topology(settings.state_dir)
    for node in topology.nodes:
        try:
            pid = int((node.state_dir / SUPERVISE_PID).read_text().strip())
        except (OSError, ValueError):
            continue
        if pid_alive(pid) and b"supervise" in Path(f"/proc/{pid}/cmdline").read_bytes():
            say(f"stopping allo of node {node.name}")
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
    KamailioProcess(kamailio_conf(settings, topology)).stop()
    root = locate_asterisk_root(settings)
    if root is not None:
        for node in topology.nodes:
            AsteriskInstance(root, node.asterisk_instance).stop()
    stop_mail_sink(settings)
    if settings.uses_private_postgres and (settings.state_dir / "pgha").exists():
        PgAutoFailover(settings.state_dir, PG_HA_MONITOR_PORT, PG_HA_NODE_PORTS).stop()


@dataclass
class Cluster:
    settings: Settings
    topology: Topology
    postgres: PostgresCluster | PgAutoFailover | None
    asterisks: dict[str, AsteriskInstance]
    kamailio: KamailioProcess
    supervisors: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_allo(self) -> None:
        for node in self.topology.nodes:
            self.supervisors[node.name] = supervise_node(self.settings, self.topology, node)

    def stop(self) -> None:
        for name, proc in self.supervisors.items():
            if proc.poll() is None:
                say(f"stopping allo of node {name}")
                proc.send_signal(signal.SIGTERM)  # the supervisor drains its `allo serve`
        for proc in self.supervisors.values():
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.kamailio.stop()
        for instance in self.asterisks.values():
            instance.stop()
        stop_mail_sink(self.settings)
        if self.postgres is not None:
            self.postgres.stop()


def setup_pg_ha(settings: Settings) -> tuple[Settings, PgAutoFailover | None]:
    """The database's primary and synchronous standby (pg_auto_failover, allo/setup/pg_ha.py), allo's settings on
    their multi-host address; nothing when ALLO_DATABASE_URL names a database of its own."""
    if not settings.uses_private_postgres:
        say("using ALLO_DATABASE_URL, no private PostgreSQL")
        return settings, None
    password = settings.pg_password.get_secret_value()
    ha = PgAutoFailover(settings.state_dir, PG_HA_MONITOR_PORT, PG_HA_NODE_PORTS)
    say(f"PostgreSQL primary and standby (pg_auto_failover: monitor {PG_HA_MONITOR_PORT}, nodes "
        f"{', '.join(map(str, PG_HA_NODE_PORTS))})")
    ha.start(password)
    return settings.model_copy(update={"database_url": ha.url(password)}), ha


def set_up_cluster(settings: Settings, topology: Topology, *, pg_ha: bool = True) -> Cluster:
    """PostgreSQL (with its standby unless `pg_ha` is off), schema and seed (each once), both Asterisk, Kamailio;
    the allo processes are started after."""
    postgres: PostgresCluster | PgAutoFailover | None
    if pg_ha:
        settings, postgres = setup_pg_ha(settings)
    else:
        postgres = setup_postgres(settings)
    data: SeededData = setup_database(settings)
    asterisks = {}
    for node in topology.nodes:
        prepare_node_dir(settings, node)
        say(f"node {node.name}: Asterisk on {node.address}:{node.sip_port}")
        asterisks[node.name] = setup_asterisk(node_settings(settings, topology, node), data)
    kamailio = KamailioProcess(kamailio_conf(settings, topology))
    kamailio.start()
    return Cluster(settings, topology, postgres, asterisks, kamailio)


def announce(cluster: Cluster) -> None:
    topology = cluster.topology
    say(f"SIP entry (operator trunk from {topology.trunk_address}, advisers' phones register here): "
        f"Kamailio on {topology.sip_proxy} (UDP)")
    for node in topology.nodes:
        say(f"node {node.name}: Asterisk SIP {node.address}:{node.sip_port}, AMI {node.address}:{node.ami_port}, "
            f"FastAGI {node.address}:{node.agi_port}, web pages {node.http_url}/login "
            f"(logs in {node.state_dir})")
    if isinstance(cluster.postgres, PgAutoFailover):
        say(f"PostgreSQL: primary and synchronous standby on 127.0.0.1:{PG_HA_NODE_PORTS[0]} and "
            f":{PG_HA_NODE_PORTS[1]} (pg_auto_failover monitor :{PG_HA_MONITOR_PORT}); allo follows the primary")
    else:
        database = "ALLO_DATABASE_URL" if cluster.postgres is None else f"127.0.0.1:{cluster.settings.pg_port}"
        say(f"PostgreSQL: {database}")
    state = cluster.settings.state_dir
    users = read_demo_users(state)
    admin = next(((name, password) for name, (role, password) in users.items() if role is Role.ADMIN), None)
    if admin is not None:
        say(f"demo admin on either node's pages: username {admin[0]}  password {admin[1]}")
    say(f"demo accounts in {state / DEMO_USERS_FILE}; advisers' SIP passwords (register to Kamailio) in "
        f"{state / 'demo-agents.txt'}")
    say("`make stop` stops the whole cluster")


def wait_healthy(topology: Topology, timeout: float = 60.0) -> None:
    """Until every node's allo answers /healthz (said, not fatal: `allo supervise` keeps trying)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per probe
    deadline = time.monotonic() + timeout
    waiting = {node.name: node for node in topology.nodes}
    while waiting and time.monotonic() < deadline:
        for name, node in list(waiting.items()):
            try:
                if httpx.get(f"{node.http_url}/healthz", timeout=1).status_code == 200:
                    del waiting[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    for name, node in waiting.items():
        say(f"node {name}'s allo is not answering yet: see {node.state_dir / 'serve.log'}")


def pid_file(settings: Settings) -> Path:
    return settings.state_dir / PID_FILE


def run_cluster(settings: Settings) -> int:
    topology = run_topology(settings.state_dir)
    stopping = False

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    # Before the set-up, which takes a minute: `allo stop` meanwhile finds this cluster (and does not take it for
    # `allo run`'s stack), and a stop asked then is honoured once the parts are up.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    pid_file(settings).write_text(str(os.getpid()))
    try:
        cluster = set_up_cluster(settings, topology)
    except BaseException:
        stop_leftovers(settings)  # what started before the failure
        pid_file(settings).unlink(missing_ok=True)
        raise
    settings = cluster.settings
    try:
        start_mail_sink(settings)
        cluster.start_allo()
        wait_healthy(topology)
        announce(cluster)
        while not stopping:
            for node in topology.nodes:  # a supervisor that died is started again (it restarts `allo serve`)
                if cluster.supervisors[node.name].poll() is not None and not stopping:
                    say(f"allo supervise of node {node.name} exited: starting it again")
                    cluster.supervisors[node.name] = supervise_node(settings, topology, node)
            time.sleep(0.5)
    finally:
        cluster.stop()
        pid_file(settings).unlink(missing_ok=True)
        say("cluster stopped")
    return 0


def stop_cluster(settings: Settings, timeout: float = 120.0) -> bool:
    """Ask a running `allo run-cluster` to stop; when it is gone (killed) but left its parts running, stop them.
    False when there was no cluster."""
    try:
        pid = int(pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return False
    if not pid_alive(pid):
        say("allo run-cluster is gone: stopping what it left running")
        stop_leftovers(settings)
        pid_file(settings).unlink(missing_ok=True)
        return True
    say(f"asking allo run-cluster ({pid}) to stop")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return True
