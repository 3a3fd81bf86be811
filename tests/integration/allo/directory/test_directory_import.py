"""`allo directory import` against a real PostgreSQL (a private database): every field shape stored, re-imports
(update, retire, partial), bad files refused with nothing changed, --skip-bad, archives."""

from __future__ import annotations

import bz2
import io
import tarfile
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from allo.directory.lookup import body_detail
from allo.directory.parse import DirectoryFormatError
from allo.directory.search import DirectoryQuery, search_directory
from allo.directory.sources import SourceError
from tests.integration.allo.directory.dir_kit import (
    EDGE,
    SAMPLE,
    empty,
    records,
    run_import,
    sid,
    snapshot,
    write,
)
from tests.integration.allo.private_db import emptied_engine, private_url_fixture

pytestmark = pytest.mark.integration


directory_url = private_url_fixture("directory_url", "allo_directory")


@pytest.fixture
async def db(directory_url):
    async with emptied_engine(directory_url) as engine:
        await empty(engine)
        yield engine


async def _one(db, sql: str, **params):
    async with db.connect() as conn:
        return (await conn.execute(text(sql), params)).one()


async def test_the_sample_is_stored_with_every_shape(db):
    report = await run_import(db, SAMPLE)
    assert report.counts | {"served": 0} == {"read": 34, "added": 34, "updated": 0, "unchanged": 0, "retired": 0,
                                              "skipped": 0, "served": 0, "communes": 6, "warnings": 0}
    assert report.counts["served"] == 42
    metz = await _one(db, "SELECT name, insee, department, postal_code, pivots, main_for, phones, emails, hours, "
                          "modified_at, national FROM dir_bodies WHERE id = :id", id=sid(1))
    assert metz.pivots == ["mairie"] and metz.main_for == ["mairie"] and metz.department == "57"
    assert metz.phones[0] == {"number": "03 99 00 10 01", "description": "Standard"}
    assert metz.hours[0] == {"first_day": 0, "last_day": 4, "slots": [["08:30", "12:00"], ["13:30", "17:30"]],
                             "comment": ""}
    assert metz.modified_at.isoformat() == "2025-03-12T09:15:42+00:00" and not metz.national
    child = await _one(db, "SELECT parent_ids FROM dir_bodies WHERE id = :id", id=sid(3))
    assert child.parent_ids == [sid(2)]
    served = await _one(db, "SELECT array_agg(insee ORDER BY insee) AS c FROM dir_served WHERE body_id = :id",
                        id=sid(4))
    assert served.c == ["57001", "57002", "57003", "57463"]
    old = await _one(db, "SELECT pivot, insee FROM dir_served WHERE body_id = :id", id=sid(18))
    assert tuple(old) == ("sip", "69383")
    lyon3 = await _one(db, "SELECT name, postal_codes, department FROM dir_communes WHERE insee = '69383'")
    assert tuple(lyon3) == ("Lyon", ["69003"], "69")
    metz_commune = await _one(db, "SELECT postal_codes FROM dir_communes WHERE insee = '57463'")
    assert metz_commune.postal_codes == ["57000", "57070"]
    async with db.connect() as conn:
        stored = (await conn.execute(text("SELECT row_to_json(b)::text FROM dir_bodies b"))).scalars().all()
        run = (await conn.execute(text("SELECT dataset, source, partial, counts FROM kb_imports"))).one()
    assert not any("EXEMPLE" in row or "Camille" in row for row in stored)  # affectation_personne never stored
    assert run.dataset == "directory" and run.source == "annuaire.json" and not run.partial
    assert run.counts["added"] == 34


async def test_api_form_and_hierarchy_across_files(db, tmp_path):
    report = await run_import(db, EDGE)
    assert report.counts["added"] == 3 and report.counts["warnings"] == 1
    ajaccio = await _one(db, "SELECT department, emails, faxes, parent_ids FROM dir_bodies "
                             "WHERE id = '00000000-3939-4000-9000-000000000101'")
    assert ajaccio.department == "2A" and ajaccio.emails == ["accueil@ajaccio.example.fr",
                                                            "etat-civil@ajaccio.example.fr"]
    assert ajaccio.parent_ids == ["00000000-3939-4000-9000-000000000103"]
    reunion = await _one(db, "SELECT department, parent_ids FROM dir_bodies "
                             "WHERE id = '00000000-3939-4000-9000-000000000102'")
    assert reunion.department == "974" and reunion.parent_ids == ["00000000-3939-4000-9000-000000000101"]
    national = await _one(db, "SELECT national, insee FROM dir_bodies WHERE id = :id",
                          id="00000000-3939-4000-9000-000000000103")
    assert national.national and national.insee == ""


async def test_reimport_updates_retires_and_partial_never_retires(db, tmp_path):
    await run_import(db, SAMPLE)
    same = await run_import(db, SAMPLE)
    assert (same.counts["unchanged"], same.counts["added"], same.counts["updated"], same.counts["retired"]) == (
        34, 0, 0, 0)
    service = records()
    service[0]["telephone"][0]["valeur"] = "03 99 00 10 99"
    service[3]["pivot"][0]["code_insee_commune"] = ["57463", "57004"]
    del service[2]  # the prefecture's child: retired, and no longer anyone's child
    service[1]["hierarchie"] = []
    changed = await run_import(db, write(tmp_path, "v2.json", service))
    # the prefecture lost its child: its own row is the same (links live in the children's parent_ids)
    assert (changed.counts["updated"], changed.counts["unchanged"], changed.counts["retired"]) == (2, 31, 1)
    phone = await _one(db, "SELECT phones->0->>'number' AS n, updated_at > imported_at AS touched FROM dir_bodies "
                           "WHERE id = :id", id=sid(1))
    assert phone.n == "03 99 00 10 99" and phone.touched
    retired = await _one(db, "SELECT retired_at IS NOT NULL AS r, parent_ids FROM dir_bodies WHERE id = :id",
                         id=sid(3))
    assert retired.r and retired.parent_ids == []
    async with AsyncSession(db) as session:
        detail = await body_detail(session, sid(3), datetime.now(UTC))
        found = await search_directory(session, DirectoryQuery(q="bureau du sejour des etrangers"), datetime.now(UTC))
    assert detail["retired"] and detail["retired_at"] and detail["parents"] == []  # readable, marked
    assert sid(3) not in [r["id"] for r in found["results"]]  # not offered any more
    served = await _one(db, "SELECT array_agg(insee ORDER BY insee) AS c FROM dir_served WHERE body_id = :id",
                        id=sid(4))
    assert served.c == ["57004", "57463"]
    untouched = await _one(db, "SELECT updated_at = imported_at AS same FROM dir_bodies WHERE id = :id", id=sid(5))
    assert untouched.same
    partial = await run_import(db, write(tmp_path, "one.json", [records()[2]]), partial=True)
    assert (partial.counts["updated"], partial.counts["retired"]) == (1, 0)  # back from retirement
    back = await _one(db, "SELECT retired_at IS NULL AS live, count(*) OVER () AS n FROM dir_bodies WHERE id = :id",
                      id=sid(3))
    assert back.live
    live = await _one(db, "SELECT count(*) AS n FROM dir_bodies WHERE retired_at IS NULL")
    assert live.n == 34


@pytest.mark.parametrize(("content", "message"), [
    (b'{"service": [{"id": "x", "nom": "X"}, {"id": ', "invalid JSON"),
    (b'{"bodies": []}', "no body found"),
    (b"id;nom\n1;Mairie\n", "not a directory export"),
])
async def test_bad_files_change_nothing(db, tmp_path, content, message):
    await run_import(db, SAMPLE)
    before = await snapshot(db)
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(DirectoryFormatError, match=message):
        await run_import(db, path)
    assert await snapshot(db) == before


async def test_a_bad_record_late_in_the_file_rolls_everything_back(db, tmp_path):
    await run_import(db, SAMPLE)
    before = await snapshot(db)
    service = records()
    service[0]["telephone"] = []  # would be an update
    service.append({"id": "", "nom": "Sans identifiant"})
    with pytest.raises(DirectoryFormatError) as caught:
        await run_import(db, write(tmp_path, "late.json", service))
    assert caught.value.index == 34 and 'no "id"' in str(caught.value)
    assert await snapshot(db) == before


async def test_skip_bad_imports_the_rest_and_lists_what_it_skipped(db, tmp_path):
    await run_import(db, SAMPLE)
    service = records()
    service[4]["nom"] = None  # the CPAM of Metz, unreadable this time: skipped, kept, not retired
    service.insert(7, "not an object")
    report = await run_import(db, write(tmp_path, "skip.json", service), skip_bad=True)
    assert report.counts["skipped"] == 2 and report.counts["retired"] == 0 and report.counts["unchanged"] == 33
    assert [(s["index"], s["id"]) for s in report.skipped] == [(4, sid(5)), (7, "")]
    kept = await _one(db, "SELECT retired_at IS NULL AS live FROM dir_bodies WHERE id = :id", id=sid(5))
    assert kept.live
    run = await _one(db, "SELECT skipped FROM kb_imports ORDER BY id DESC LIMIT 1")
    assert run.skipped[0]["error"].endswith('has no "nom"')


async def test_archives_are_streamed(db, tmp_path):
    data = SAMPLE.read_bytes()
    tar_path = tmp_path / "all_latest.tar.bz2"
    with tarfile.open(tar_path, "w:bz2") as archive:
        readme = tarfile.TarInfo("README.txt")
        readme.size = 5
        archive.addfile(readme, io.BytesIO(b"hello"))
        member = tarfile.TarInfo("2025-06-01_000000-data.gouv_local.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    report = await run_import(db, tar_path)
    assert report.counts["added"] == 34 and report.source.endswith("data.gouv_local.json")
    zip_path = tmp_path / "refOrga.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dila_refOrga_admin_Etat_fr.json", EDGE.read_bytes())
    assert (await run_import(db, zip_path, partial=True)).counts["added"] == 3
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("notes.txt", "rien")
    with pytest.raises(SourceError, match=r"no \.json"):
        await run_import(db, empty_zip)
    broken = tmp_path / "broken.tar.bz2"
    broken.write_bytes(bz2.compress(b"not a tar")[:20])
    with pytest.raises(SourceError):
        await run_import(db, broken)


async def test_the_demo_directory_loads_once_into_an_empty_table(db):
    from allo.directory.seed import seed_demo_directory

    said: list[str] = []
    report = await seed_demo_directory(db, said.append)
    assert report is not None and report.counts["added"] == 73 and report.counts["warnings"] == 0
    assert said and "73 public bodies" in said[0]
    assert await seed_demo_directory(db, said.append) is None and len(said) == 1
    pivots = await _one(db, "SELECT array_agg(DISTINCT p ORDER BY p) AS p FROM dir_bodies, unnest(pivots) p")
    assert {"mairie", "prefecture", "caf", "cpam", "sip", "tgi", "prudhommes", "adil", "ddets", "msap"} <= set(
        pivots.p) and "commission_conciliation" not in pivots.p
    national = await _one(db, "SELECT count(*) AS n FROM dir_bodies WHERE national")
    assert national.n >= 8
