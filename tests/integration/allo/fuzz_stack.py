"""A private `allo serve` for the API fuzzer: its own database (in the session's PostgreSQL cluster), its own
Asterisk instance and its own process.

What the fuzzer does would otherwise reach the other tests: it publishes and rolls back rules, creates and disables
accounts, books callbacks (that the callback scheduler then dials on Asterisk), spends the per-address booking and
login limits, and revokes tokens.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from allo.db.migrate import upgrade_head
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.postgres import PostgresCluster
from allo.setup.prompts import ensure_prompts
from allo.setup.secrets import ensure_secrets
from allo.setup.service_process import ServiceProcess
from allo.setup.sipp import free_port
from allo.setup.stack import seed_database

DATABASE = "allo_fuzz"


@contextmanager
def fuzz_stack(base: Settings, postgres: PostgresCluster, state: Path) -> Iterator[ServiceProcess]:
    state.chmod(0o755)
    ensure_secrets(state)
    password = base.pg_password.get_secret_value()
    postgres.ensure_database(password, database=DATABASE)
    url = f"postgresql+asyncpg://allo:{password}@127.0.0.1:{base.pg_port}/{DATABASE}"
    settings = Settings.load(state).model_copy(update={
        "database_url": url, "pg_port": base.pg_port, "agi_port": free_port(), "http_port": free_port(),
        "ami_port": free_port(), "sip_port": free_port(), "rtp_start": 31000, "rtp_end": 31999,
        "asterisk_instance": f"fuzz-{os.getpid()}", "agi_drain_timeout": 2.0,
    })
    upgrade_head(url)
    seeded = asyncio.run(seed_database(settings))
    instance = AsteriskInstance(ensure_asterisk_root(settings), settings.asterisk_instance)
    ensure_prompts(seeded.prompts, instance.sounds_dir)
    instance.render(settings, seeded.queues, seeded.agents, seeded.hours)
    instance.start()
    service = ServiceProcess(settings)
    # No per-address limits here: the fuzzer is one address, and must reach the booking and login code behind them.
    # Callbacks it books dial a port where nothing listens, never another stack's SIP port.
    service.env = {"ALLO_DATABASE_URL": url, "ALLO_LOGIN_ATTEMPTS": "1000000",
                   "ALLO_CALLBACK_BOOKINGS_PER_HOUR": "1000000",
                   "ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{free_port()}"}
    try:
        service.start(timeout=40)
        yield service
    finally:
        service.stop()
        instance.stop()
        instance.remove()
        postgres.psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
