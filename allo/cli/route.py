"""`allo route` (the simulator on the live rules) and `allo codes rotate`."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from allo.db.engine import make_engine, make_sessionmaker
from allo.db.rules_seed import rotate_access_code
from allo.db.seed import remember_access_code
from allo.errors import ConfigError
from allo.privacy.pseudonyms import pseudonymise
from allo.rules.load import load_rules
from allo.settings import Settings
from allo.setup.prompt_durations import read_durations, sounds_dir_for
from ivr.catalogue import PROMPTS
from ivr.simulate import simulate


def parse_keys(keys: str) -> list[str]:
    """"2,1234#,1" -> one entry per input the caller makes (a menu choice, a code ending with #...)."""
    return [part.strip() for part in keys.split(",") if part.strip()] if keys else []


async def _route(settings: Settings, at: datetime, keys: list[str], caller: str | None) -> dict[str, object]:
    engine = make_engine(settings, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            rules = await load_rules(session)
    finally:
        await engine.dispose()
    durations = await asyncio.to_thread(read_durations, sounds_dir_for(settings), {*PROMPTS, *rules.prompts})
    result = await simulate(rules, at, keys, no_input_replays=settings.menu_no_input_replays, durations=durations)
    result["rules_version"] = rules.version
    if caller is not None:
        result["caller_hash"] = pseudonymise(settings.pseudonym_key.get_secret_value().encode(), caller)
    return result


def route_command(settings: Settings, at: str | None, keys: str, caller: str | None) -> int:
    try:
        when = datetime.fromisoformat(at) if at else settings.routing_clock()()
    except ValueError as exc:
        raise ConfigError(f"--at must be an ISO date-time such as 2026-11-23T18:20: {exc}") from exc
    print(json.dumps(asyncio.run(_route(settings, when, parse_keys(keys), caller)), ensure_ascii=False, indent=2,
                     default=str))
    return 0


async def _rotate(settings: Settings, sector: str | None, code: str | None) -> str:
    engine = make_engine(settings, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            return await rotate_access_code(session, sector=sector, code=code)
    finally:
        await engine.dispose()


def rotate_command(settings: Settings, sector: str | None, code: str | None) -> int:
    try:
        plain = asyncio.run(_rotate(settings, sector, code))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    scope = f"specialist/{sector}" if sector else "specialist"
    path = remember_access_code(settings.state_dir, scope, plain)
    print(f"new access code for {scope}: {plain} (previous one retired; also written to {path})")
    return 0
