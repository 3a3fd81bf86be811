"""Named fixtures that start real servers on free ports: PostgreSQL, Asterisk 22 and `allo serve`."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from allo.auth.roles import Role
from allo.auth.users import read_demo_users
from allo.db.migrate import upgrade_head
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.postgres import PostgresCluster
from allo.setup.prompts import ensure_prompts
from allo.setup.secrets import ensure_secrets
from allo.setup.service_process import ServiceProcess
from allo.setup.sipp import free_port
from allo.setup.stack import SeededData, seed_database

# Playwright fixtures `browser` and `page` (Debian's chromium) for the browser tests.
pytest_plugins = ["tests.browser_kit"]


def _free_tcp_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the test stack: its own state dir, ports and Asterisk instance, beside any `make run`."""
    state = tmp_path_factory.mktemp("allo-state")
    state.chmod(0o755)
    ensure_secrets(state)
    overrides = {
        "pg_port": _free_tcp_port(),
        "agi_port": _free_tcp_port(),
        "http_port": _free_tcp_port(),
        "ami_port": _free_tcp_port(),
        "sip_port": _free_tcp_port(),
        "rtp_start": 30000,
        "rtp_end": 30999,
        "asterisk_instance": f"test-{os.getpid()}",
        "agi_drain_timeout": 30.0,
        # The service's daily retention must not erase the dated rows report tests insert (2026): ten years.
        "journey_retention_days": 3650,
    }
    return Settings.load(state).model_copy(update=overrides)


@pytest.fixture(scope="session")
def postgres(test_settings: Settings) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster.for_state(test_settings.state_dir, test_settings.pg_port)
    cluster.init()
    cluster.start()
    cluster.wait_ready()
    cluster.ensure_database(test_settings.pg_password.get_secret_value())
    upgrade_head(test_settings.sqlalchemy_url)
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def seeded(test_settings: Settings, postgres: PostgresCluster) -> SeededData:
    """The same seed as `make run` (queues, demo agents, rules, a first access code)."""
    return asyncio.run(seed_database(test_settings))


@pytest.fixture(scope="session")
def demo_passwords(test_settings: Settings, seeded: object) -> dict[str, str]:
    lines = (test_settings.state_dir / "demo-agents.txt").read_text().splitlines()
    return dict(line.split(" ", 1) for line in lines if line)


@pytest.fixture(scope="session")
def demo_users(test_settings: Settings, seeded: object) -> dict[str, tuple[Role, str]]:
    """username -> (role, password) of the seeded demo accounts (one per role)."""
    return read_demo_users(test_settings.state_dir)


@pytest.fixture(scope="session")
def access_code(test_settings: Settings, seeded: object) -> str:
    """The specialist service's access code created by the seed (all sectors)."""
    for line in (test_settings.state_dir / "access-codes.txt").read_text().splitlines():
        scope, _, code = line.partition(" ")
        if scope == "specialist":
            return code
    raise AssertionError("no seeded access code")


@pytest.fixture(scope="session")
def asterisk(test_settings: Settings, seeded: SeededData) -> Iterator[AsteriskInstance]:
    root = ensure_asterisk_root(test_settings)
    instance = AsteriskInstance(root, test_settings.asterisk_instance)
    ensure_prompts(seeded.prompts, instance.sounds_dir)
    instance.render(test_settings, seeded.queues, seeded.agents, seeded.hours)
    instance.start()
    yield instance
    instance.stop()
    # Keep Asterisk's logs with the test run's state for post-mortems.
    shutil.copytree(instance.host_path(instance.log_dir), test_settings.state_dir / "asterisk-logs",
                    dirs_exist_ok=True)
    instance.remove()


@pytest.fixture(scope="session")
def allo_service(test_settings: Settings, asterisk: AsteriskInstance) -> Iterator[ServiceProcess]:
    service = ServiceProcess(test_settings)
    service.start()
    yield service
    service.stop()


@pytest.fixture
def running_service(allo_service: ServiceProcess) -> ServiceProcess:
    """The service at the default routing time, restarted if an earlier test stopped or changed it."""
    if allo_service.fixed_now != ServiceProcess.DEFAULT_NOW or allo_service.env:
        allo_service.stop()
        allo_service.fixed_now = ServiceProcess.DEFAULT_NOW
        allo_service.env = {}
    if allo_service.proc is None or allo_service.proc.poll() is not None:
        allo_service.start()
    return allo_service


async def _forget_desired_states(dsn: str) -> tuple[list[str], list[str]]:
    """Deletes every desired state; returns (advisers that were to be logged in, every queue)."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch("WITH gone AS (DELETE FROM agent_presence RETURNING agent_id, logged_in) "
                                "SELECT a.username FROM gone JOIN agents a ON a.id = gone.agent_id "
                                "WHERE gone.logged_in")
        queues = await conn.fetch("SELECT name FROM queues")
        return [r["username"] for r in rows], [q["name"] for q in queues]
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def forget_advisers_desired_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test with Asterisk (no row is ever committed without it: an action whose AMI fails rolls back),
    allo forgets the advisers it acted for (`agent_presence`): the next test
    starts from no desired state, so a member it adds over AMI is left alone by the reconciler (docs/agents.md),
    whatever an earlier test did through the API. Advisers it wanted logged in are taken out of every queue."""
    settings = request.getfixturevalue("test_settings") if "asterisk" in request.fixturenames else None
    yield
    if settings is not None:
        with ThreadPoolExecutor(1) as pool:  # outside any running event loop of the test
            logged_in, queues = pool.submit(asyncio.run, _forget_desired_states(settings.asyncpg_dsn)).result(
                timeout=30)
        # A test that took such an adviser out over AMI raced the reconciler, which puts a logged-in adviser back
        # until the row is gone: once it is, take them out of every queue, or the next test finds an adviser free.
        asterisk = request.getfixturevalue("asterisk")
        for username in logged_in:
            for queue in queues:
                asterisk.cli(f"queue remove member PJSIP/{username} from {queue}", check=False)
