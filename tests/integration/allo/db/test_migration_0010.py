"""Migration 0010 on a database seeded before it: the sector menu says 0, and the live rules pass validation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from allo.db.migrate import upgrade_head
from allo.db.rules_models import MenuOptionRow, MenuRow, Prompt
from allo.db.rules_seed import seed_rules
from allo.db.seed import seed
from allo.rules.menu_checks import says_zero
from allo.rules.tables import document_from_tables
from allo.rules.validate import validate
from ivr.catalogue import PROMPTS
from tests.integration.allo.private_db import downgrade_to, drop_private_database

pytestmark = pytest.mark.integration

OLD_SECTOR_TEXT = ("Intérieur, 1. Droit du travail, 2. Consommation, 3. Justice, 4. Fiscalité, 5. "
                   "Logement et urbanisme, 6.")
OLD_MAIN_TEXT = ("Question administrative, tapez 1. Code d'accès du service spécialisé, tapez 2. Réponses en ligne, "
                 "tapez 3. Impôts, tapez 4. Être rappelé, tapez 5. Un conseiller, tapez 0. Réécouter, étoile.")
OLD_CONNECTING_TEXT = "Nous vous mettons en relation avec un conseiller. Merci de patienter."


@pytest.fixture
async def before_0010(test_settings, postgres) -> AsyncIterator[str]:
    """A database at 0009 seeded with the catalogue of that time, plus a menu of ops' own."""
    name = f"allo_migration_0010_{os.getpid()}"
    drop_private_database(postgres, name)
    postgres.ensure_database(test_settings.pg_password.get_secret_value(), database=name)
    url = test_settings.sqlalchemy_url.rsplit("/", 1)[0] + "/" + name
    # Seeded by today's code (its models know every later column), then taken back to 0009: the rows a 0009
    # database holds, whatever later migrations add to the seeded tables.
    await asyncio.to_thread(upgrade_head, url)
    engine = create_async_engine(url)
    async with AsyncSession(engine) as session:
        await seed(session)
        await seed_rules(session, {**PROMPTS, "allo/menu-secteurs": OLD_SECTOR_TEXT,
                                   "allo/menu-principal": OLD_MAIN_TEXT,
                                   "allo/mise-en-relation": OLD_CONNECTING_TEXT,
                                   "allo/menu-plus": "Autres démarches, 1."})
        session.add(MenuRow(name="plus", prompt="allo/menu-plus", timeout_ms=5000))
        await session.flush()
        session.add(MenuOptionRow(menu_name="plus", digit="1", action="queue", queue="l1"))
        session.add(MenuOptionRow(menu_name="main", digit="6", action="submenu", target_menu="plus"))
        await session.commit()
    await engine.dispose()
    await asyncio.to_thread(downgrade_to, url, "0009")
    yield url
    drop_private_database(postgres, name)


async def texts(engine: AsyncEngine) -> dict[str, str]:
    async with AsyncSession(engine) as session:
        return {p.name: p.text for p in await session.scalars(select(Prompt))}


async def test_the_seeded_sector_menu_says_zero_after_0010(before_0010: str) -> None:
    engine = create_async_engine(before_0010)
    try:
        await _check(engine, before_0010)
    finally:
        await engine.dispose()


async def _check(engine: AsyncEngine, url: str) -> None:
    # Before: the two menus do not say 0 (read as texts: the code's document_from_tables reads tables of later
    # migrations, such as 0014's topical_message, that a 0009 database has not got).
    before = await texts(engine)
    assert not says_zero(before["allo/menu-secteurs"]) and not says_zero(before["allo/menu-plus"])
    assert says_zero(before["allo/menu-principal"])

    await asyncio.to_thread(upgrade_head, url)

    after = await texts(engine)
    assert after["allo/menu-secteurs"] == PROMPTS["allo/menu-secteurs"]  # the text a fresh seed writes
    assert after["allo/menu-plus"] == "Autres démarches, 1. Un conseiller, tapez 0."
    assert after["allo/menu-principal"] == PROMPTS["allo/menu-principal"]  # the shorter seeded text
    assert after["allo/mise-en-relation"] == PROMPTS["allo/mise-en-relation"]
    async with AsyncSession(engine) as session:
        assert validate(await document_from_tables(session)) == []
