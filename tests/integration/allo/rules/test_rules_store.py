"""Rules in the real PostgreSQL: seed, snapshot, access codes, NOTIFY-driven reload, `allo route`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import date

import asyncpg
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from allo.db.rules_models import CalendarExceptionRow
from allo.db.rules_seed import rotate_access_code
from allo.rules.cache import RulesCache
from allo.rules.load import load_rules
from routing.rules import MenuAction

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(test_settings, seeded):
    engine = create_async_engine(test_settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


async def test_seeded_rules_load_as_a_snapshot(engine, access_code):
    async with AsyncSession(engine) as session:
        rules = await load_rules(session)
    assert set(rules.services) == {"general", "specialist"}
    general = rules.calendars["general"]
    assert [(p.opens.isoformat(), p.closes.isoformat()) for p in general.weekly[0]] == [("08:00:00", "20:00:00")]
    assert [(p.opens.isoformat(), p.closes.isoformat()) for p in general.weekly[5]] == [("08:30:00", "18:30:00")]
    assert 6 not in general.weekly
    specialist = rules.calendars["specialist"]
    assert [p.closes.isoformat() for p in specialist.weekly[1]] == ["13:00:00"]
    assert [p.opens.isoformat() for p in specialist.weekly[4]] == ["13:00:00"]
    assert set(rules.sectors) == {"interieur", "travail", "consommation", "justice", "fiscalite", "logement"}
    assert rules.sectors["travail"].queue == "l2-travail" and rules.sectors["travail"].service == "specialist"
    assert rules.menus["main"].options["2"].action is MenuAction.ACCESS_CODE
    assert len(rules.menus["secteurs"].options) == 6
    assert rules.check_code(access_code, "specialist") is not None
    assert rules.check_code("000000" if access_code != "000000" else "111111", "specialist") is None
    assert "allo/bienvenue" in rules.prompts and "allo/jours/lundi" in rules.prompts
    assert all(code.code_hash != access_code.encode() for code in rules.access_codes)


async def test_rotating_a_sector_code_keeps_the_general_code(engine, access_code):
    async with AsyncSession(engine) as session:
        first = await rotate_access_code(session, sector="travail", code="5678")
        second = await rotate_access_code(session, sector="travail", code="4321")
        rules = await load_rules(session)
    assert (first, second) == ("5678", "4321")
    assert rules.check_code("5678", "specialist") is None  # retired by the rotation
    found = rules.check_code("4321", "specialist")
    assert found is not None and found.sector == "travail"
    assert rules.check_code(access_code, "specialist") is not None
    with pytest.raises(ValueError, match="4 to 12 digits"):
        async with AsyncSession(engine) as session:
            await rotate_access_code(session, code="12a4")


async def test_cache_picks_up_a_change_within_a_second(engine, test_settings):
    cache = RulesCache(engine, test_settings.asyncpg_dsn, poll_interval=30)
    await cache.start()
    try:
        for _ in range(50):
            if cache.listening:
                break
            await asyncio.sleep(0.05)
        before = cache.version
        async with AsyncSession(engine) as session:
            session.add(CalendarExceptionRow(calendar_name="general", kind="closure", starts_on=date(2030, 1, 2),
                                             ends_on=date(2030, 1, 3), message_text="inventaire"))
            await session.commit()
        committed = time.monotonic()
        while cache.version == before:
            assert time.monotonic() - committed < 1.0
            await asyncio.sleep(0.01)
        assert cache.snapshot is not None
        assert any(e.message_text == "inventaire" for e in cache.snapshot.calendars["general"].exceptions)
    finally:
        async with AsyncSession(engine) as session:
            await session.execute(delete(CalendarExceptionRow).where(CalendarExceptionRow.message_text == "inventaire"))
            await session.commit()
        await cache.stop()


async def _listening_backends(conn: asyncpg.Connection) -> set[int]:
    rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN \"allo_rules\"'")
    return {row["pid"] for row in rows}


async def test_cache_reconnects_and_reloads_a_change_made_while_nobody_listened(engine, test_settings):
    admin = await asyncpg.connect(test_settings.asyncpg_dsn, timeout=5)
    others = await _listening_backends(admin)  # a service of the same test session listens too
    cache = RulesCache(engine, test_settings.asyncpg_dsn, poll_interval=30)
    await cache.start()
    try:
        deadline = time.monotonic() + 10
        while not cache.listening or not await _listening_backends(admin) - others:
            assert time.monotonic() < deadline, "the cache never listened"
            await asyncio.sleep(0.05)
        [mine] = await _listening_backends(admin) - others
        before = cache.version
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", mine)
        while cache.listening:
            assert time.monotonic() < deadline + 5, "the terminated connection went unnoticed"
            await asyncio.sleep(0.01)
        async with AsyncSession(engine) as session:  # its NOTIFY reaches nobody: the reconnection must reload
            session.add(CalendarExceptionRow(calendar_name="general", kind="closure", starts_on=date(2030, 2, 4),
                                             ends_on=date(2030, 2, 5), message_text="reconnexion"))
            await session.commit()
        assert not cache.listening
        committed = time.monotonic()
        while cache.version == before:
            assert time.monotonic() - committed < 3.0, "not reloaded after reconnecting (poll_interval is 30 s)"
            await asyncio.sleep(0.01)
        assert cache.listening
    finally:
        async with AsyncSession(engine) as session:
            await session.execute(delete(CalendarExceptionRow)
                                  .where(CalendarExceptionRow.message_text == "reconnexion"))
            await session.commit()
        await cache.stop()
        await admin.close()


def _allo_route(test_settings, *args: str) -> dict:
    env = {**os.environ, "ALLO_STATE_DIR": str(test_settings.state_dir), "ALLO_PG_PORT": str(test_settings.pg_port)}
    out = subprocess.run([sys.executable, "-m", "allo.cli.main", "route", *args], env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize(("at", "keys", "outcome", "queue"), [
    ("2026-11-23T10:00", "1", "queued", "l1"),
    ("2026-11-23T10:00", "2,{code}#,1", "queued", "l2-interieur"),
    ("2026-11-23T10:00", "2,{code}#,6", "queued", "l2-logement"),
    # The specialist service closes at 18:15 on Mondays: its hours, then level 1 (open until 20:00).
    ("2026-11-23T18:20", "2,{code}#,1", "queued", "l1"),
    ("2026-11-22T10:00", "1", "closed", None),  # Sunday
    ("2026-12-25T10:00", "1", "closed", None),  # Christmas
    ("2026-11-23T10:00", "2,1#,2#,3#", "queued", "l1"),  # three wrong codes
    ("2026-11-23T10:00", "", "queued", "l1"),  # no key at all
])
def test_allo_route_on_the_seeded_rules(test_settings, seeded, access_code, at, keys, outcome, queue):
    result = _allo_route(test_settings, "--at", at, "--keys", keys.format(code=access_code), "--caller", "0612345678")
    assert result["outcome"] == outcome, result
    assert result["queue"] == queue, result
    assert result["trace"]
    assert access_code not in json.dumps(result)
    assert "0612345678" not in json.dumps(result)
