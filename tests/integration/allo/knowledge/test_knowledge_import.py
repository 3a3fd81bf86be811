"""`import_sheets` and `allo knowledge import` on a private database: the fixtures with every element, re-imports
(update, retire, restore, partial), each kind of bad file refused with nothing changed, --skip-bad, the zip."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.knowledge_models import KbImport
from allo.knowledge import importer
from allo.knowledge.sheet import SheetError
from tests.integration.allo.knowledge.kb_kit import EXTRA, SAMPLES, rows, run_import, snapshot, state, zipped
from tests.integration.allo.private_db import emptied_engine, private_url_fixture

pytestmark = pytest.mark.integration

ALL = SAMPLES + EXTRA
BAD = {"F90041": (6, "XML mal formé / malformed XML"),
       "F90042": (2, "l'élément racine est <Menu>, pas <Publication>"),
       "F90043": (2, "dc:title absent ou vide"),
       "F90044": (2, "ID F12345 différent du nom du fichier")}


kb_url = private_url_fixture("kb_url", "allo_kb_import")


@pytest.fixture
async def db(kb_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(kb_url, text("TRUNCATE kb_sheets, kb_imports")) as engine:
        yield engine


async def test_full_import_stores_every_sheet_and_records_the_run(db, tmp_path):
    report = await run_import(db, snapshot(tmp_path / "a", ALL))
    assert (report.files, report.added, report.updated, report.unchanged, report.retired) == (14, 14, 0, 0, 0)
    assert report.ignored == 2  # menu.xml, R90999.xml
    assert dict(report.unknown) == {"Cadre": 1, "ElementInconnu": 1}
    assert report.missing_links == [("F90014", "F90099")]
    stored = await rows(db)
    fiche = stored["F90014"]
    assert (fiche.kind, fiche.parent_id, fiche.theme_id) == ("fiche", "N90010", "N90000")
    assert fiche.pivots == ["prudhommes", "ddets"] and fiche.links == ["F90099"]
    assert fiche.document["where"][2]["kind"] == "national" and fiche.retired_at is None
    assert stored["F90032"].unknown_elements == {"Cadre": 1, "ElementInconnu": 1}
    assert "150 €" in stored["F90032"].body_text
    assert stored["F90031"].audiences == ["Particuliers", "Professionnels"]
    async with AsyncSession(db) as session:
        [run] = (await session.scalars(select(KbImport))).all()
    assert (run.dataset, run.source, run.partial) == ("knowledge", "a", False)
    assert run.counts["added"] == 14 and run.counts["unknown_elements"] == {"Cadre": 1, "ElementInconnu": 1}
    assert run.warnings == ["F90014: link to F90099, absent"]


async def test_reimport_updates_retires_and_restores(db, tmp_path):
    await run_import(db, snapshot(tmp_path / "a", ALL))
    before, _ = await state(db)
    again = await run_import(db, snapshot(tmp_path / "a", ALL))
    assert (again.added, again.updated, again.unchanged, again.retired) == (0, 0, 14, 0)
    assert (await state(db))[0] == before  # unchanged rows are not even touched (same updated_at)

    changed = snapshot(tmp_path / "b", [i for i in ALL if i != "F90024"])
    path = changed / "F90013.xml"
    path.write_bytes(path.read_bytes().replace(b"sans avoir", b"sans jamais avoir"))
    report = await run_import(db, changed)
    assert (report.added, report.updated, report.unchanged, report.retired) == (0, 1, 12, 1)
    stored = await rows(db)
    assert "sans jamais avoir" in stored["F90013"].body_text
    assert stored["F90013"].updated_at > before["F90013"][1]
    assert stored["F90024"].retired_at is not None and stored["F90024"].title  # retired, still readable

    back = await run_import(db, snapshot(tmp_path / "c", ALL))
    assert (back.restored, back.updated, back.retired) == (1, 1, 0)
    assert (await rows(db))["F90024"].retired_at is None


async def test_partial_import_adds_and_updates_without_retiring(db, tmp_path):
    await run_import(db, snapshot(tmp_path / "a", SAMPLES))
    report = await run_import(db, snapshot(tmp_path / "b", EXTRA), partial=True)
    assert (report.added, report.retired) == (2, 0)
    stored = await rows(db)
    assert len(stored) == 14 and all(r.retired_at is None for r in stored.values())
    async with AsyncSession(db) as session:
        runs = (await session.scalars(select(KbImport.partial).order_by(KbImport.id))).all()
    assert runs == [False, True]


@pytest.mark.parametrize("bad", sorted(BAD))
async def test_a_bad_file_refuses_the_whole_import(db, tmp_path, bad):
    await run_import(db, snapshot(tmp_path / "a", SAMPLES))
    before = await state(db)
    folder = snapshot(tmp_path / "b", [*SAMPLES[:5], bad, *EXTRA])  # would retire 7 and add 2
    with pytest.raises(SheetError) as error:
        await run_import(db, folder)
    line, message = BAD[bad]
    assert (error.value.name, error.value.line) == (f"{bad}.xml", line) and message in error.value.message
    assert await state(db) == before  # nothing changed, no run recorded


async def test_skip_bad_imports_the_rest_and_lists_what_it_skipped(db, tmp_path):
    await run_import(db, snapshot(tmp_path / "a", SAMPLES))
    folder = snapshot(tmp_path / "b", [*SAMPLES, "F90041", "F90042", *EXTRA])
    report = await run_import(db, folder, skip_bad=True)
    assert [(s["file"], s["line"]) for s in report.skipped] == [("F90041.xml", 6), ("F90042.xml", 2)]
    assert (report.added, report.unchanged, report.retired) == (2, 12, 0)
    async with AsyncSession(db) as session:
        run = (await session.scalars(select(KbImport).order_by(KbImport.id.desc()))).first()
    assert run is not None and run.counts["skipped"] == 2 and run.skipped[0]["file"] == "F90041.xml"


async def test_a_skipped_sheet_keeps_its_last_good_version(db, tmp_path):
    await run_import(db, snapshot(tmp_path / "a", SAMPLES))
    folder = snapshot(tmp_path / "b", SAMPLES)
    (folder / "F90013.xml").write_text("<Publication ID='F90013'>")  # truncated download
    report = await run_import(db, folder, skip_bad=True)
    assert report.retired == 0 and (await rows(db))["F90013"].retired_at is None


async def test_zip_archive_with_a_folder_inside(db, tmp_path):
    archive = zipped(snapshot(tmp_path / "a", ALL), tmp_path / "vosdroits-latest.zip")
    report = await run_import(db, archive)
    assert (report.files, report.added, report.ignored) == (14, 14, 2)
    assert report.source == "vosdroits-latest.zip"


async def test_a_sheet_twice_in_a_zip_is_imported_once(db, tmp_path):
    folder = snapshot(tmp_path / "a", SAMPLES, others=False)
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"a/{path.name}")
        z.write(folder / "F90011.xml", "b/F90011.xml")
    report = await run_import(db, archive)
    assert (report.files, report.added, report.duplicates) == (13, 12, ["F90011.xml"])
    assert "F90011.xml: same sheet id as an earlier file, ignored" in report.warnings()


async def test_many_chunks_and_a_bad_file_after_them_change_nothing(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 3)  # three chunks written before the bad file is read
    await run_import(db, snapshot(tmp_path / "a", SAMPLES[:4]))
    before = await state(db)
    with pytest.raises(SheetError):
        await run_import(db, snapshot(tmp_path / "b", [*SAMPLES, "F90041"]))  # F90041 sorts after F90024
    assert await state(db) == before
    report = await run_import(db, snapshot(tmp_path / "c", ALL))
    assert (report.added, report.unchanged) == (10, 4) and len(await rows(db)) == 14


def run_cli(url: str, settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLO_STATE_DIR": str(settings.state_dir), "ALLO_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "allo.cli.main", "knowledge", "import", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


async def test_the_command_exit_codes_and_output(db, kb_url, test_settings, tmp_path):
    good = snapshot(tmp_path / "a", ALL)
    done = run_cli(kb_url, test_settings, str(good), "--progress")
    assert done.returncode == 0, done.stderr
    assert "added 14, updated 0, unchanged 0, restored 0, retired 0, skipped 0" in done.stdout
    assert "unknown elements (kept as text): Cadre 1, ElementInconnu 1" in done.stdout
    assert "F90014: link to F90099, absent" in done.stdout
    assert "fiches: 100%" in done.stderr  # the progress bar, asked for

    before = await state(db)
    bad = snapshot(tmp_path / "b", [*ALL, "F90041"])
    refused = run_cli(kb_url, test_settings, str(bad))
    assert refused.returncode == 1
    assert refused.stderr.startswith("F90041.xml:6: XML mal formé / malformed XML: ")
    assert "nothing changed" in refused.stderr and await state(db) == before

    skipped = run_cli(kb_url, test_settings, str(bad), "--skip-bad", "--partial")
    assert skipped.returncode == 0 and "skipped F90041.xml:6: XML mal formé" in skipped.stdout
    assert "(partial)" in skipped.stdout

    missing = run_cli(kb_url, test_settings, str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
