"""`allo setup`: every step of `make run` except serving, each skipped when already done."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callbacks.prompts import CALLBACK_PROMPTS
from allo.auth.users import remember_demo_users, seed_demo_users
from allo.db.engine import make_engine, make_sessionmaker
from allo.db.migrate import upgrade_head
from allo.db.rules_models import Prompt
from allo.db.rules_seed import has_active_code, rotate_access_code, seed_rules
from allo.db.seed import remember_access_code, remember_demo_passwords, seed
from allo.directory.seed import seed_demo_directory
from allo.fallback.hours import render_hours, spoken_reopening
from allo.knowledge.demo_seed import seed_demo_sheets
from allo.rules.load import load_rules
from allo.rules.recording_store import published_uploads
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.asterisk_conf import AgentConf, QueueConf, asterisk_inputs
from allo.setup.postgres import PostgresCluster
from allo.setup.procs import say
from allo.setup.prompts import ensure_prompts
from ivr.catalogue import PROMPTS


@dataclass
class Stack:
    settings: Settings
    postgres: PostgresCluster | None
    asterisk: AsteriskInstance


def setup_postgres(settings: Settings) -> PostgresCluster | None:
    if not settings.uses_private_postgres:
        say("using ALLO_DATABASE_URL, no private PostgreSQL")
        return None
    cluster = PostgresCluster.for_state(settings.state_dir, settings.pg_port)
    cluster.init()
    cluster.start()
    cluster.wait_ready()
    cluster.ensure_database(settings.pg_password.get_secret_value())
    return cluster


@dataclass(frozen=True)
class SeededData:
    queues: list[QueueConf]
    agents: list[AgentConf]
    prompts: dict[str, str]
    uploads: dict[str, bytes] = field(default_factory=dict)  # recordings published by ops: never re-synthesised
    hours: str | None = None  # extensions_hours.conf: the fallback's opening hours, from the live rules


async def seed_all(session: AsyncSession, state_dir: Path) -> SeededData:
    """Queues, demo agents, default rules and a first access code; each only when missing."""
    result = await seed(session)
    if result.queues_created:
        say(f"seeded {result.queues_created} queue(s)")
    if result.agents_created:
        path = remember_demo_passwords(state_dir, result.agents_created)
        say(f"seeded demo agents {', '.join(result.agents_created)} (SIP passwords in {path})")
    users = await seed_demo_users(session)
    if users:
        path = remember_demo_users(state_dir, users)
        say(f"seeded demo accounts {', '.join(users)} (passwords in {path})")
    created = await seed_rules(session, {**PROMPTS, **CALLBACK_PROMPTS})
    if any(created.values()):
        say("seeded rules: " + ", ".join(f"{count} {what}" for what, count in created.items() if count))
    if not await has_active_code(session):
        code = await rotate_access_code(session, label="code d'accès du service spécialisé")
        path = remember_access_code(state_dir, "specialist", code)
        say(f"created the specialist service's access code (in {path}; rotate with `allo codes rotate`)")
    if (sheets := await seed_demo_sheets(session)) is not None:
        say(f"loaded {sheets.added} demo answer sheets (`allo knowledge import` loads the real ones)")
    queues, agents = await asterisk_inputs(session)
    prompts = {p.name: p.text for p in (await session.scalars(select(Prompt))).all()}
    return SeededData(queues, agents, prompts, await published_uploads(session))


async def seed_database(settings: Settings) -> SeededData:
    engine = make_engine(settings, pool_size=1)
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            data = await seed_all(session, settings.state_dir)
            await session.commit()
        await seed_demo_directory(engine, say)
        async with sessions() as session:  # its own transaction: the rules are read in REPEATABLE READ
            rules = await load_rules(session)
        hours = render_hours(rules, datetime.now(UTC), spoken_reopening, settings.fallback_hours_days)
        return replace(data, hours=hours)
    finally:
        await engine.dispose()


def setup_database(settings: Settings) -> SeededData:
    say("database schema: alembic upgrade head")
    upgrade_head(settings.sqlalchemy_url)
    return asyncio.run(seed_database(settings))


def setup_asterisk(settings: Settings, data: SeededData, *, start: bool = True) -> AsteriskInstance:
    root = ensure_asterisk_root(settings)
    instance = AsteriskInstance(root, settings.asterisk_instance)
    ensure_prompts(data.prompts, instance.sounds_dir, uploads=data.uploads)
    queues, agents = data.queues, data.agents
    say(f"rendering asterisk-conf/ into {instance.host_path(instance.etc_dir)}")
    instance.render(settings, queues, agents, data.hours)
    if start:
        if instance.running():
            say("Asterisk already running: reloading dialplan, queues and PJSIP")
            for command in ("dialplan reload", "queue reload all", "module reload res_pjsip.so"):
                instance.cli(command)
        else:
            instance.start()
        say("Asterisk fully booted")
    return instance


def setup_all(settings: Settings, *, start_asterisk: bool = True) -> Stack:
    postgres = setup_postgres(settings)
    data = setup_database(settings)
    asterisk = setup_asterisk(settings, data, start=start_asterisk)
    return Stack(settings, postgres, asterisk)
