"""A two-node cluster for the tests: the topology of `make run-cluster` (allo/cluster/launch.py's pieces) on free
ports, one private PostgreSQL (the database's failover is `make test-ha`'s), short probe and node-loss settings."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select, text

from allo.auth.roles import Role
from allo.cluster.launch import kamailio_conf, node_env, node_settings, prepare_node_dir
from allo.cluster.topology import NodeSpec, Topology, free_port_topology
from allo.db.engine import make_engine, make_sessionmaker
from allo.db.migrate import upgrade_head
from allo.db.models import Agent, AgentQueue, Queue
from allo.db.seed import password_digest
from allo.settings import Settings
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.kamailio import KamailioProcess
from allo.setup.postgres import PostgresCluster
from allo.setup.prompts import ensure_prompts
from allo.setup.secrets import ensure_secrets
from allo.setup.service_process import ServiceProcess
from allo.setup.stack import SeededData, seed_database
from bench.amiwatch import AmiWatch
from bench.survey_off import publish_survey_off
from tests.hours_kit import ALWAYS_OPEN, publish, wait_dialplan_hours

# Faster than production so that the session stays short; recorded with the figures (docs/reliability.md).
NODE_ENV = {"ALLO_NODE_HEARTBEAT_SECONDS": "0.5", "ALLO_NODE_LOST_SECONDS": "3",
            "ALLO_AGENT_RECONCILE_SECONDS": "2"}
DEMO_FILES = ("demo-users.txt", "demo-agents.txt", "access-codes.txt")
LOAD_ADVISERS = tuple(f"charge{n:02d}" for n in range(1, 7))  # the failover load's advisers, l1 only


@dataclass
class ClusterUnderTest:
    state: Path
    settings: Settings = field(init=False)
    topology: Topology = field(init=False)
    postgres: PostgresCluster | None = None
    seeded: SeededData | None = None
    asterisks: dict[str, AsteriskInstance] = field(default_factory=dict)
    kamailio: KamailioProcess | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    load_passwords: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o755)
        ensure_secrets(self.state)
        self.settings = Settings.load(self.state).model_copy(update={"pg_port": sipp.free_port()})
        self.topology = free_port_topology(self.state, sipp.free_port, f"cluster-{os.getpid()}")

    # -- set-up ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.postgres = PostgresCluster.for_state(self.state, self.settings.pg_port)
        self.postgres.init()
        self.postgres.start()
        self.postgres.wait_ready()
        self.postgres.ensure_database(self.settings.pg_password.get_secret_value())
        upgrade_head(self.settings.sqlalchemy_url)
        self.seeded = asyncio.run(self._seed())
        root = ensure_asterisk_root(self.settings)
        for node in self.topology.nodes:
            prepare_node_dir(self.settings, node)
            for name in DEMO_FILES:  # ServiceProcess reads the demo accounts from the node's state dir
                (node.state_dir / name).unlink(missing_ok=True)
                (node.state_dir / name).symlink_to(self.state / name)
            instance = AsteriskInstance(root, node.asterisk_instance)
            ensure_prompts(self.seeded.prompts, instance.sounds_dir)
            instance.render(self.node_settings(node.name), self.seeded.queues, self.seeded.agents, self.seeded.hours)
            self.asterisks[node.name] = instance
            instance.start()
        self.kamailio = KamailioProcess(kamailio_conf(self.settings, self.topology))
        self.kamailio.start()
        for node in self.topology.nodes:
            service = ServiceProcess(self.node_settings(node.name), supervised=True)
            service.env = {**node_env(self.settings, self.topology, node), **NODE_ENV}
            self.services[node.name] = service
            service.start(timeout=40)
        self.always_open()

    async def _seed(self) -> SeededData:
        await seed_database(self.settings)
        await publish_survey_off(self.settings)
        self.load_passwords = {name: secrets.token_urlsafe(12) for name in LOAD_ADVISERS}
        engine = make_engine(self.settings, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session:
                # No wrap-up pause after a test call in l1: advisers answer back to back (as the bench's).
                l1 = (await session.scalars(select(Queue).where(Queue.name == "l1"))).one()
                l1.wrapup_time = 0
                for username, password in self.load_passwords.items():
                    agent = Agent(username=username, display_name=f"Charge {username}",
                                  password_digest=password_digest(username, password))
                    session.add(agent)
                    await session.flush()
                    session.add(AgentQueue(agent_id=agent.id, queue_id=l1.id, penalty=0))
                await session.commit()
        finally:
            await engine.dispose()
        return await seed_database(self.settings)  # again: the Asterisk inputs with the load's advisers

    def always_open(self) -> None:
        """The fallback of a node whose allo is down follows the real clock (docs/degraded-mode.md): an
        always-open calendar makes it queue callers at any hour CI runs; both nodes' dialplans get it."""
        service = self.services["a"]
        with httpx.Client(base_url=service.base_url, headers=service.headers(Role.OPS), timeout=20) as client:
            summary = publish(client, ALWAYS_OPEN, "cluster tests: always open")
        for instance in self.asterisks.values():
            wait_dialplan_hours(instance, int(summary["rules_version"]), timeout=30)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        if self.kamailio is not None:
            self.kamailio.stop()
        for name, instance in self.asterisks.items():
            instance.stop()
            shutil.copytree(instance.host_path(instance.log_dir), self.state / f"asterisk-logs-{name}",
                            dirs_exist_ok=True)
            instance.remove()
        if self.postgres is not None:
            self.postgres.destroy()

    # -- helpers -----------------------------------------------------------------------------------------------
    def node(self, name: str) -> NodeSpec:
        return self.topology.node(name)

    def node_settings(self, name: str) -> Settings:
        return node_settings(self.settings, self.topology, self.node(name))

    def demo_passwords(self) -> dict[str, str]:
        lines = (self.state / "demo-agents.txt").read_text().splitlines()
        return dict(line.split(" ", 1) for line in lines if line)

    def ami_watch(self, name: str) -> AmiWatch:
        settings = self.node_settings(name)
        return AmiWatch(settings.ami_host, settings.ami_port, settings.ami_username,
                        settings.ami_secret.get_secret_value())

    def kill_asterisk(self, name: str) -> int:
        pid = self.asterisks[name].pid()
        assert pid is not None, f"no pid for node {name}'s Asterisk"
        os.kill(pid, signal.SIGKILL)
        return pid

    def start_asterisk(self, name: str) -> None:
        instance = self.asterisks[name]
        instance.host_path(f"{instance.run_dir}/asterisk.ctl").unlink(missing_ok=True)
        for child in instance._children:  # the killed process: reap it
            child.wait(10)
        instance._children.clear()
        instance.start()

    def headers(self, name: str, role: Role = Role.SUPERVISOR) -> dict[str, str]:
        return self.services[name].headers(role)

    def get(self, name: str, path: str, role: Role = Role.SUPERVISOR) -> httpx.Response:
        return httpx.get(f"{self.services[name].base_url}{path}", headers=self.headers(name, role), timeout=10)

    async def sql(self, query: str, **params: object) -> list[tuple[object, ...]]:
        engine = make_engine(self.settings, pool_size=1)
        try:
            async with engine.connect() as conn:
                return [tuple(row) for row in (await conn.execute(text(query), params)).all()]
        finally:
            await engine.dispose()


