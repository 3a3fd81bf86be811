"""BenchStack: the whole allo stack on private ports for the benchmarks, as an async context manager.

    async with BenchStack(agents=100) as stack:
        stack.settings           # allo.settings.Settings of this stack (ports, secrets, state dir .state-bench/)
        stack.asterisk           # allo.setup.asterisk.AsteriskInstance ("bench"): .cli(cmd), .pid()
        stack.service            # allo.setup.service_process.ServiceProcess: `allo serve`, .base_url, .headers(role)
        stack.ami                # acd.ami.client.AmiClient, READY (queue_add, queue_status, ...)
        stack.watch              # bench.amiwatch.AmiWatch: raw Newstate/QueueCallerJoin/... with Asterisk timestamps
        stack.numbers            # {"allo": "3939", "baseline": "39390", "classic": "39391"} (bench.dialplan)
        stack.agent_names        # the SIPp agents registered and logged in to l1 (one SIPp UAS answers for all)
        stack.citizens(number, rate, seconds, name)  # bench.load.CitizenLoad (not started): .start().wait()
        stack.asterisk_pid() / stack.service_pid()
        stack.cpu_seconds(pid) / stack.rss_bytes(pid)   # from /proc (user+system CPU; resident memory)
        stack.results            # {section: {"result": ...}} of the sections already run in this session
        stack.facts              # what the set-up saw (classic AGI Python, agents, talk time) for the report
        await stack.idle()       # wait until no channel is left (between load steps)

Set-up: wipe .state-bench/, free ports, PostgreSQL + schema + seed, `agents` bench agents in l1 (l1 wrap-up 0 so
agents are never the limit), Asterisk rendered from asterisk-conf/ plus extensions_bench.conf, the classic AGI
runtime inside the Asterisk root, `allo serve` with ALLO_FIXED_NOW at an open time (like the tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import secrets
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select, update

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed, AmiError
from acd.ami.event_types import QueueParams
from allo.db.cluster_models import AgentPresence
from allo.db.engine import make_engine, make_sessionmaker
from allo.db.migrate import upgrade_head
from allo.db.models import Agent, AgentQueue, Queue
from allo.db.seed import password_digest
from allo.rules.load import load_rules
from allo.settings import Settings
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.postgres import PostgresCluster
from allo.setup.procs import say
from allo.setup.prompts import ensure_prompts
from allo.setup.secrets import ensure_secrets
from allo.setup.service_process import ServiceProcess
from allo.setup.stack import SeededData, seed_database
from bench import classic_setup
from bench.amiwatch import AmiWatch
from bench.dialplan import NUMBERS, bench_extensions
from bench.load import CitizenLoad
from bench.survey_off import publish_survey_off
from routing.calendar_types import PARIS

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".state-bench"
TICKS = os.sysconf("SC_CLK_TCK")


class BenchStack:
    def __init__(self, *, agents: int = 100, talk_ms: int = 500, state_dir: Path = STATE, instance: str = "bench",
                 supervised: bool = False, ports: dict[str, int] | None = None,
                 service_env: dict[str, str] | None = None) -> None:
        """The fault tests (tests/faults) use their own `instance`, a `supervised` service (`allo supervise`),
        chosen `ports` and extra `service_env` (e.g. the service's AMI through a proxy)."""
        self.agent_count, self.talk_ms, self.state_dir = agents, talk_ms, state_dir
        self.instance, self.supervised = instance, supervised
        self._ports, self._service_env = dict(ports or {}), dict(service_env or {})
        self.numbers = dict(NUMBERS)
        self.agent_names: list[str] = []
        self.facts: dict[str, Any] = {"agents": agents, "talk_ms": talk_ms}
        self.results: dict[str, Any] = {}  # sections run so far (bench/__main__.py), e.g. fastagi reads journey's
        self.postgres: PostgresCluster | None = None
        self.asterisk: AsteriskInstance | None = None
        self._agent_uas: sipp.Sipp | None = None
        self._agent_port = 0
        self._ami: AmiClient | None = None
        self._watch: AmiWatch | None = None
        self._service: ServiceProcess | None = None
        self._steps = 0
        self.fresh = True  # Asterisk has carried no load since it started (the journey's holds want one)
        self.ready_at = 0.0  # time.monotonic() when a restarted Asterisk was fully booted again
        self._lock: IO[str] | None = None

    # -- set-up ------------------------------------------------------------------------------------------------
    async def __aenter__(self) -> BenchStack:
        try:
            await self._setup()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _setup(self) -> None:
        t0 = time.monotonic()
        # One bench at a time: a second one would share the "bench" Asterisk instance and stop the first's.
        self._lock = (self.state_dir.parent / ".bench.lock").open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError("another `make bench` is running on this machine (lock .bench.lock)") from None
        shutil.rmtree(self.state_dir, ignore_errors=True)
        self.state_dir.mkdir(parents=True)
        self.state_dir.chmod(0o755)
        ensure_secrets(self.state_dir)
        ports = {k: sipp.free_port() for k in ("pg_port", "agi_port", "http_port", "ami_port", "sip_port")}
        ports.update(self._ports)
        self.settings = Settings.load(self.state_dir).model_copy(update={
            **ports, "rtp_start": 40000, "rtp_end": 49999, "asterisk_instance": self.instance,
            "agi_drain_timeout": 5.0})
        self.postgres = PostgresCluster.for_state(self.state_dir, self.settings.pg_port)
        self.postgres.init()
        self.postgres.start()
        self.postgres.wait_ready()
        self.postgres.ensure_database(self.settings.pg_password.get_secret_value())
        await asyncio.to_thread(upgrade_head, self.settings.sqlalchemy_url)
        await seed_database(self.settings)
        passwords, rules = await self._bench_agents()
        await publish_survey_off(self.settings)
        seeded = await seed_database(self.settings)  # again: returns the Asterisk inputs with the bench agents
        await asyncio.to_thread(self._asterisk, seeded, rules)
        self._service = ServiceProcess(self.settings, supervised=self.supervised)
        self._service.env.update(self._service_env)
        await asyncio.to_thread(self._service.start)
        self._ami = AmiClient(self.settings.ami_host, self.settings.ami_port, self.settings.ami_username,
                              self.settings.ami_secret.get_secret_value(), events=("FullyBooted",),
                              backoff_initial=0.2, backoff_max=0.5)  # back at once after a restart
        await self._ami.start()
        await self._ami.wait_ready(15)
        self._watch = AmiWatch(self.settings.ami_host, self.settings.ami_port, self.settings.ami_username,
                               self.settings.ami_secret.get_secret_value())
        await self._watch.start()
        await self._agents(passwords)
        self.facts["setup_s"] = round(time.monotonic() - t0, 1)
        say(f"bench stack ready in {self.facts['setup_s']} s ({len(self.agent_names)} agents in l1)")

    async def _bench_agents(self) -> tuple[dict[str, str], Any]:
        engine = make_engine(self.settings, pool_size=1)
        passwords = {f"bench{n:03d}": secrets.token_urlsafe(12) for n in range(1, self.agent_count + 1)}
        try:
            async with make_sessionmaker(engine)() as session:
                l1 = (await session.scalars(select(Queue).where(Queue.name == "l1"))).one()
                # No wrap-up after a bench call: queues.conf has wrapuptime = 0 everywhere and allo's own wrap-up
                # pause (allo/desk/wrapup.py) is not taken at all for a queue whose wrapup_time is 0, so each
                # agent answers calls back to back, as the measured rates assume.
                await session.execute(update(Queue).where(Queue.id == l1.id).values(wrapup_time=0))
                for username, password in passwords.items():
                    agent = Agent(username=username, display_name=f"Bench {username}",
                                  password_digest=password_digest(username, password))
                    session.add(agent)
                    await session.flush()
                    session.add(AgentQueue(agent_id=agent.id, queue_id=l1.id, penalty=0))
                    # Logged in as desired state (PostgreSQL, docs/agents.md): after an Asterisk restart the
                    # service's reconciler adds them back (persistentmembers = no).
                    session.add(AgentPresence(agent_id=agent.id, logged_in=True))
                await session.commit()
                rules = await load_rules(session)
        finally:
            await engine.dispose()
        return passwords, rules

    def _asterisk(self, seeded: SeededData, rules: Any) -> None:
        root = ensure_asterisk_root(self.settings)
        self.asterisk = AsteriskInstance(root, self.settings.asterisk_instance)
        if self.asterisk.running():  # a bench that died without cleaning up
            self.asterisk.stop()
        ensure_prompts(seeded.prompts, self.asterisk.sounds_dir, uploads=seeded.uploads)
        self.asterisk.render(self.settings, seeded.queues, seeded.agents, seeded.hours)
        self.asterisk.write_conf("extensions_bench.conf", bench_extensions())
        now = datetime.fromisoformat(ServiceProcess.DEFAULT_NOW).replace(tzinfo=PARIS)
        self.facts["classic_agi"] = classic_setup.install(root, rules, now)
        self.facts["fixed_now"] = ServiceProcess.DEFAULT_NOW
        self.asterisk.start()

    async def _agents(self, passwords: dict[str, str]) -> None:
        """Every agent registers its contact on one port, where a single SIPp UAS answers for all of them."""
        port = sipp.free_port()
        text = (sipp.SCENARIO_DIR / "agent-register.xml").read_text().replace(
            "Contact: <sip:[user]@[local_ip]:[local_port]>", f"Contact: <sip:[user]@[local_ip]:{port}>")
        gate = asyncio.Semaphore(8)

        async def register(username: str, password: str) -> None:
            for _attempt in range(3):  # concurrent SIPps can pick neighbouring media ports: retry on a new one
                reg = sipp.Sipp("agent-register.xml", sipp.sip_target(self.settings.sip_port),
                                {"user": username, "expires": "36000"}, extra=["-au", username, "-ap", password],
                                timeout_s=15, scenario_text=text)
                async with gate:
                    result = await asyncio.to_thread(reg.run)
                if result.ok:
                    return
            raise RuntimeError(f"agent {username} could not register: {result.log[-2000:]}")

        await asyncio.gather(*(register(u, p) for u, p in passwords.items()))
        self._agent_port = port
        self._start_agent_uas()
        for username in passwords:
            await self._queue_add_once(username)
            self.agent_names.append(username)

    async def _queue_add_once(self, username: str) -> None:
        """Add the agent to l1 unless the service's reconciler has already added it (its desired state)."""
        try:
            await self.ami.queue_add("l1", f"PJSIP/{username}", username)
        except AmiActionFailed as exc:
            if "already there" not in exc.response.message.lower():
                raise

    def _start_agent_uas(self) -> None:
        if self._agent_uas is not None:
            self._agent_uas.stop()
        self._agent_uas = sipp.Sipp("agent-answer.xml", sipp.sip_target(self.settings.sip_port),
                                    {"talk_ms": str(self.talk_ms)}, calls=10_000_000, port=self._agent_port,
                                    timeout_s=6 * 3600, extra=["-max_socket", "4096", "-l", "100000"])
        self._agent_uas.start()

    # -- helpers for the sections ---------------------------------------------------------------------------
    @property
    def ami(self) -> AmiClient:
        assert self._ami is not None, "stack not started"
        return self._ami

    @property
    def watch(self) -> AmiWatch:
        assert self._watch is not None, "stack not started"
        return self._watch

    @property
    def service(self) -> ServiceProcess:
        assert self._service is not None, "stack not started"
        return self._service

    def citizens(self, number: str, rate: float, seconds: float, name: str = "load") -> CitizenLoad:
        self._steps += 1
        workdir = self.state_dir / "sipp" / f"{self._steps:03d}-{name}"
        return CitizenLoad(self.settings.sip_port, number, rate, seconds, workdir,
                           caller_prefix=f"06{self._steps % 100:02d}")

    def asterisk_pid(self) -> int:
        assert self.asterisk is not None
        pid = self.asterisk.pid()
        assert pid is not None, "Asterisk not running"
        return pid

    def service_pid(self) -> int:
        """`allo serve`'s pid (not its supervisor's)."""
        assert self.service.proc is not None
        return (self.service.serve_pid() if self.supervised else None) or self.service.proc.pid

    @staticmethod
    def cpu_seconds(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    @staticmethod
    def rss_bytes(pid: int) -> int:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        return next((int(line.split()[1]) * 1024 for line in lines if line.startswith("VmRSS:")), 0)

    def channels(self) -> int | None:
        """Channels in Asterisk; None when its CLI did not answer (wedged after an overload)."""
        assert self.asterisk is not None
        try:
            out = self.asterisk.cli("core show channels count", check=False)
        except subprocess.TimeoutExpired:
            return None
        for line in out.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        return 0

    async def idle(self, timeout: float = 60.0) -> bool:
        """Wait until Asterisk has no channel left and is quiet again; hang up what remains after `timeout`
        (returns False), and restart Asterisk if even that does not bring it back (a collapsed 60 s hold left it
        deaf to its CLI): an overloaded step must not poison the next one."""
        assert self.asterisk is not None
        deadline = time.monotonic() + timeout
        clean = False
        while time.monotonic() < deadline:
            count = await asyncio.to_thread(self.channels)
            if count == 0:
                clean = True
                break
            if count is None:
                break
            await asyncio.sleep(0.5)
        recovered = False
        if not clean:
            try:
                await asyncio.to_thread(self.asterisk.cli, "channel request hangup all", 15.0, False)
                await asyncio.sleep(2)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            recovered = await self._settle()
        if not recovered:
            await self.restart_asterisk()
        return clean

    async def _settle(self, quiet_pct: float = 15.0, within: float = 30.0) -> bool:
        """Until no caller waits in a queue and Asterisk uses under `quiet_pct` % of one core over 1 s (its
        taskprocessors and the AMI event queue drain after a burst), for at most `within` seconds."""
        deadline = time.monotonic() + within
        pid = self.asterisk_pid()
        while time.monotonic() < deadline:
            before = self.cpu_seconds(pid)
            await asyncio.sleep(1.0)
            busy = 100 * (self.cpu_seconds(pid) - before)
            try:
                waiting = sum(e.calls for e in await self.ami.queue_status() if isinstance(e, QueueParams))
            except AmiError:
                waiting = -1
            if busy < quiet_pct and waiting == 0 and await asyncio.to_thread(self.channels) == 0:
                return True
        say(f"bench: Asterisk not quiet after {within:g} s (queues, channels or CPU still busy)")
        return False

    async def restart_asterisk(self, why: str = "the last step failed", *, relogin: bool = True) -> None:
        """Kill and start Asterisk again and the agents' SIPp, make sure the agents are in l1 (registrations
        survive in AstDB, members come back from PostgreSQL through the service's reconciler; `relogin=False`
        leaves it to that alone) and start a new watcher (AMI filters are per session)."""
        assert self.asterisk is not None
        say(f"bench: restarting Asterisk ({why})")
        self.facts["asterisk_restarts"] = self.facts.get("asterisk_restarts", 0) + 1
        self.fresh = True
        await asyncio.to_thread(self.asterisk.stop, 5.0)
        await asyncio.to_thread(self._start_agent_uas)
        await asyncio.to_thread(self.asterisk.start)
        await self.ami.wait_ready(60)
        self.ready_at = time.monotonic()
        if relogin:  # idempotent: the service's reconciler may have put them back already
            for username in self.agent_names:
                await self._queue_add_once(username)
        if self._watch is not None:
            await self._watch.stop()
            self._watch = AmiWatch(self.settings.ami_host, self.settings.ami_port, self.settings.ami_username,
                                   self.settings.ami_secret.get_secret_value())
            await self._watch.start()
        await asyncio.sleep(5)  # the service's own AMI session reconnects (back-off from 0.5 s) and resyncs

    # -- tear-down ---------------------------------------------------------------------------------------------
    async def __aexit__(self, *exc: object) -> None:
        if self._watch is not None:
            await self._watch.stop()
        if self._ami is not None:
            await self._ami.stop()
        if self._agent_uas is not None:
            self._agent_uas.stop()
        if self._service is not None:
            await asyncio.to_thread(self._service.stop)
        if self.asterisk is not None:
            await asyncio.to_thread(self.asterisk.stop)
            shutil.copytree(self.asterisk.host_path(self.asterisk.log_dir), self.state_dir / "asterisk-logs",
                            dirs_exist_ok=True)
            self.asterisk.remove()
        if self.postgres is not None:
            self.postgres.stop()
        if self._lock is not None:
            self._lock.close()
