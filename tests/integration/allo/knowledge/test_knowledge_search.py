"""Search over the demo sheets (allo/knowledge/demo) on a private database: expected ids first for accent-less,
misspelt, multi-word and prefix queries; retired sheets excluded unless asked, then last; nothing found: []."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.knowledge.demo_seed import DEMO_DIR, seed_demo_sheets
from allo.knowledge.search import search_sheets, terms
from tests.integration.allo.knowledge.kb_kit import run_import
from tests.integration.allo.private_db import emptied_engine, private_url_fixture

pytestmark = pytest.mark.integration


kb_url = private_url_fixture("kb_url", "allo_kb_search")


@pytest.fixture
async def db(kb_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(kb_url, text("TRUNCATE kb_sheets, kb_imports")) as engine:
        async with AsyncSession(engine) as session, session.begin():
            assert (await seed_demo_sheets(session)) is not None
        yield engine


async def ids(engine: AsyncEngine, q: str, **options) -> list[str]:
    async with AsyncSession(engine) as session:
        return [hit.id for hit in await search_sheets(session, q, **options)]


@pytest.mark.parametrize(("q", "first"), [
    ("démission", "F90211"),
    ("demission", "F90211"),  # no accent
    ("démiss", "F90211"),  # typing: the last word is a prefix
    ("licensiement", "F90212"),  # misspelt
    ("licenciment prudhommes", "F90212"),
    ("pention alimentaire", "F90411"),
    ("carte identite perdue", "F90111"),  # several words, no accent
    ("voyager carte périmée", "F90113"),  # a question-réponse
    ("rupture conventionelle", "F90213"),
    ("APL", "F90611"),
    ("taxe fonciere", "F90521"),
    ("permis de construire", "F90621"),
    ("depot de garantie", "F90631"),
    ("bulletin casier", "F90421"),
    ("impots prelevement a la source", "F90512"),
])
async def test_the_expected_sheet_comes_first(db, q, first):
    found = await ids(db, q)
    assert found[:1] == [first], found


async def test_answers_rank_above_their_dossier(db):
    found = await ids(db, "titre de séjour")
    assert found[0] in ("F90121", "F90122") and "N90120" in found
    assert found.index("N90120") > found.index("F90121")


async def test_nothing_matches(db):
    assert await ids(db, "xylophone quantique") == []
    assert await ids(db, "   ") == [] and await ids(db, "!!") == []


async def test_the_query_syntax_cannot_break_the_sql(db):
    for q in ("carte & | ! :* (", "'; DROP TABLE kb_sheets; --", '"carte d\'identité" -passeport', "a" * 500):
        await ids(db, q)  # no error
    assert "F90112" not in await ids(db, '"carte d\'identité" -passeport')


async def test_retired_sheets_are_excluded_unless_asked_then_last(db, tmp_path):
    partial = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, partial)
    (partial / "F90211.xml").unlink()
    await run_import(db, partial)  # a full snapshot without F90211: retired
    assert "F90211" not in await ids(db, "démission")
    found = await ids(db, "démission", include_retired=True)
    assert found[-1] == "F90211"


def test_terms_are_words_only():
    assert terms("carte d'identité perd") == ("carte & d & identité & perd:*", "carte | d | identité | perd:*")
    assert terms("carte ") == ("carte", "carte")
    assert terms("ca") == ("ca", "ca") and terms("&|!") is None


async def test_the_demo_is_loaded_once(db):
    async with AsyncSession(db) as session, session.begin():
        assert await seed_demo_sheets(session) is None  # not empty any more: `allo setup` leaves it alone
