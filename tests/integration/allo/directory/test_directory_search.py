"""Directory search and commune resolution in PostgreSQL, on the sample and the edge fixtures (expected ids)."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from allo.directory.communes import resolve_commune
from allo.directory.search import DirectoryQuery, EmptyQuery, search_directory
from tests.integration.allo.directory.dir_kit import EDGE, SAMPLE, empty, run_import, sid
from tests.integration.allo.private_db import create_private_database, drop_private_database

pytestmark = pytest.mark.integration

MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
MONDAY_1230 = datetime(2026, 12, 7, 12, 30, tzinfo=ZoneInfo("Europe/Paris"))
AJACCIO, REUNION, DEFENSEUR = (f"00000000-3939-4000-9000-{n:012d}" for n in (101, 102, 103))


async def _load(url: str) -> None:
    engine = create_async_engine(url)
    await empty(engine)
    await run_import(engine, SAMPLE)
    await run_import(engine, EDGE, partial=True)
    await engine.dispose()


@pytest.fixture(scope="module")
def search_url(test_settings, postgres):
    name = f"allo_dirsearch_{os.getpid()}"
    url = create_private_database(test_settings, postgres, name)
    asyncio.run(_load(url))
    yield url
    drop_private_database(postgres, name)


@pytest.fixture
async def session(search_url):
    engine = create_async_engine(search_url)
    async with AsyncSession(engine) as session:
        yield session
    await engine.dispose()


async def _ids(session, when=MONDAY_10, **query) -> list[str]:
    found = await search_directory(session, DirectoryQuery(**query), when)
    return [r["id"] for r in found["results"]]


@pytest.mark.parametrize(("typed", "insee"), [
    ("57463", "57463"), ("57000", "57463"), ("57070", "57463"), ("Metz", "57463"), ("metz", "57463"),
    ("Lyon", "69123"), ("69003", "69383"), ("lyon 3e", "69383"), ("Paris 15e", "75115"), ("75015", "75115"),
    ("sainte aurelie des causses", "12999"), ("Sainte-Aurélie-des-Causses", "12999"), ("Montpelier", "34172"),
    ("2A004", "2A004"), ("57001", "57001"),  # 57001: served by the Caf of Metz, known by its code
])
async def test_resolve_commune(session, typed, insee):
    commune = await resolve_commune(session, typed)
    assert commune is not None and commune.insee == insee


async def test_resolve_commune_unknown(session):
    assert await resolve_commune(session, "99999") is None
    assert await resolve_commune(session, "Zzyzx") is None
    metz = await resolve_commune(session, "Metz")
    assert metz.name == "Metz" and metz.department == "57" and metz.postal_codes == ("57000", "57070")


async def test_type_and_commune(session):
    assert (await _ids(session, type="caf", commune="Metz"))[0] == sid(4)
    assert (await _ids(session, q="caf metz"))[0] == sid(4)
    assert (await _ids(session, q="caf", commune="57002"))[0] == sid(4)  # a commune the Caf serves
    assert (await _ids(session, q="mairie", commune="Paris 15e"))[0] == sid(29)  # paris_mairie_arrondissement
    assert (await _ids(session, q="impôts", commune="Lyon"))[:1] == [sid(18)]  # in the department: 3e arr.
    assert (await _ids(session, q="prud'hommes montpellier"))[0] == sid(28)
    assert (await _ids(session, q="inspection du travail", commune="metz"))[0] == sid(10)
    assert (await _ids(session, q="france services", commune="12998"))[0] == sid(34)


async def test_commune_tiers(session):
    found = await search_directory(session, DirectoryQuery(q="mairie", commune="Lyon"), MONDAY_10)
    assert [r["id"] for r in found["results"]][:2] == [sid(12), sid(13)]
    assert found["results"][0]["distance_rank"] == 0 and found["results"][1]["distance_rank"] == 2
    assert found["commune"]["insee"] == "69123" and found["type"][0] == {"code": "mairie", "label": "la mairie"}
    prefecture = await _ids(session, type="préfecture", commune="57003")
    assert prefecture == [sid(2)]  # 57003 is served by nobody's prefecture pivot: same department


async def test_names_misspelt_and_accentless(session):
    assert (await _ids(session, q="prefecture moselle"))[0] == sid(2)
    assert (await _ids(session, q="prefecure mosele"))[0] == sid(2)  # no word matches: trigram similarity
    assert (await _ids(session, q="tribunal judiciaire de montpel"))[0] == sid(25)  # the last word as a prefix
    assert (await _ids(session, q="Caisse d'allocations familiales Hérault"))[0] == sid(23)
    assert (await _ids(session, q="Tribunal judiciaire de Montpellier"))[0] == sid(25)
    assert (await _ids(session, q="defenseur droits"))[0] == DEFENSEUR
    assert (await _ids(session, q="sejour des etrangers"))[0] == sid(3)
    assert (await _ids(session, q="Direction départementale de l'emploi Moselle"))[0] == sid(10)


async def test_open_now_and_status(session):
    found = await search_directory(session, DirectoryQuery(q="caf", commune="Metz"), MONDAY_10)
    caf = found["results"][0]
    assert caf["open_now"] is True and caf["opening_status"] == "Ouvert jusqu'à 12:30"
    assert caf["address"].endswith("57000 Metz") and caf["phones"] and caf["pivot_labels"][0]["label"] == "la Caf"
    assert await _ids(session, MONDAY_1230, q="caf", commune="Metz", open_now=True) == []
    unknown = await search_directory(session, DirectoryQuery(q="caf", commune="34172"), MONDAY_10)
    assert unknown["results"][0]["open_now"] is None  # the Caf of Montpellier publishes no hours


async def test_an_unknown_commune_gives_no_result_and_says_so(session):
    found = await search_directory(session, DirectoryQuery(q="caf", commune="Zzyzx"), MONDAY_10)
    assert found["commune"] is None and found["results"] == [] and "Commune inconnue" in found["message"]
    assert (await search_directory(session, DirectoryQuery(q="caf", commune="Metz"), MONDAY_10))["message"] is None


async def test_empty_query_is_refused(session):
    with pytest.raises(EmptyQuery):
        await search_directory(session, DirectoryQuery(q="  "), MONDAY_10)
