"""The bench's DILA-shaped data generator (bench/dila_gen.py) on small N: the shapes of the official formats
(docs: the README of the DILA formats, §1 and §2), unique ids, well-formed XML, 3 to 4 KB per body, deterministic."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bench.dila_annuaire import SIZE_MAX, SIZE_MIN, write_annuaire
from bench.dila_gen import generate
from bench.dila_vocab import DEPARTMENTS, REAL_COMMUNES

DC = "{http://purl.org/dc/elements/1.1/}"
RECORD_KEYS = {
    "id", "nom", "pivot", "ancien_code_pivot", "code_insee_commune", "categorie", "type_organisme", "adresse",
    "telephone", "telecopie", "adresse_courriel", "site_internet", "formulaire_contact", "plage_ouverture",
    "commentaire_plage_ouverture", "hierarchie", "date_modification", "date_creation", "url_service_public",
    "siret", "siren", "sigle", "itm_identifiant", "partenaire", "partenaire_identifiant", "mission",
    "information_complementaire", "statut_de_diffusion", "version_type", "copyright", "reseau_social",
    "application_mobile", "texte_reference", "organigramme", "affectation_personne", "ancien_nom",
    "ancien_identifiant", "annuaire", "tchat", "sve", "telephone_accessible", "service_disponible",
    "type_repertoire", "partenaire_date_modification", "date_diffusion", "version_source",
    "version_etat_modification"}
ADDRESS_KEYS = {"type_adresse", "complement1", "complement2", "numero_voie", "service_distribution", "code_postal",
                "nom_commune", "pays", "continent", "longitude", "latitude", "accessibilite", "note_accessibilite"}
HOURS_KEYS = {"nom_jour_debut", "nom_jour_fin", "valeur_heure_debut_1", "valeur_heure_fin_1",
              "valeur_heure_debut_2", "valeur_heure_fin_2", "commentaire"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = generate(tmp_path_factory.mktemp("dila"), sheets=120, bodies=400, seed=5)
    assert (made.sheets, made.bodies) == (120, 400)
    return made.sheets_zip, made.directory_json


def test_sheets_are_a_flat_zip_of_well_formed_publications_named_by_their_id(generated: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(generated[0]) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)) == 120
        assert all(re.fullmatch(r"[FN]\d+\.xml", n) for n in names)
        roots = {n: ElementTree.fromstring(archive.read(n)) for n in names}
    ids = {root.get("ID") for root in roots.values()}
    assert ids == {n.removesuffix(".xml") for n in names}
    kinds = Counter(root.get("type") for root in roots.values())
    assert set(kinds) == {"Theme", "Dossier", "Fiche d'information", "Fiche Question-réponse conditionnée"}
    for name, root in roots.items():
        assert root.tag == "Publication"
        assert root.findtext(f"{DC}title")
        assert root.findtext(f"{DC}date", "").startswith("modified ")
        assert root.find("Audience") is not None and root.find("FilDAriane") is not None
        relation = root.findtext(f"{DC}relation")
        if root.get("type") != "Theme":  # every parent is in the archive
            assert relation and relation.removeprefix("isPartOf ") in ids, name
    fiches = [r for r in roots.values() if r.get("ID", "").startswith("F") and r.get("type") == "Fiche d'information"]
    pivots = [p.text for r in fiches for p in r.iter("PivotLocal")]
    assert pivots and all(p for p in pivots)
    assert any(r.find("Texte/Chapitre") is not None for r in fiches)
    assert any(r.find("ListeSituations/Situation") is not None for r in fiches)
    questions = [r for r in roots.values() if r.get("type") == "Fiche Question-réponse conditionnée"]
    assert questions and all(r.findtext("Texte/Paragraphe/MiseEnEvidence") in ("Oui.", "Non.") for r in questions)


def test_directory_has_every_key_and_shape_of_the_export(generated: tuple[Path, Path]) -> None:
    records = json.loads(generated[1].read_text(encoding="utf-8"))["service"]
    assert len(records) == 400
    assert len({r["id"] for r in records}) == 400
    communes = {r["code_insee_commune"] for r in records}
    shapes = Counter()
    for r in records:
        assert set(r) == RECORD_KEYS
        assert r["categorie"] == "SL" and len(r["code_insee_commune"]) == 5
        assert all(set(a) == ADDRESS_KEYS for a in r["adresse"]) and r["adresse"][0]["type_adresse"] == "Adresse"
        assert all(set(h) == HOURS_KEYS for h in r["plage_ouverture"])
        assert all(set(t) == {"valeur", "description"} for t in r["telephone"])
        assert all(h["type_hierarchie"] == "Service Fils" for h in r["hierarchie"])
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", r["date_modification"])
        for pivot in r["pivot"]:
            served = pivot["code_insee_commune"]
            shapes["old" if isinstance(served, str) else "list"] += 1
            assert r["code_insee_commune"] in ([served] if isinstance(served, str) else served)
        assert r["ancien_code_pivot"].endswith("-01")
    assert shapes["old"] and shapes["list"]  # the older string shape appears too
    assert {c for c, *_ in REAL_COMMUNES} <= communes | {"75115"}


def test_bodies_are_3_to_4_kb_and_the_stream_is_deterministic() -> None:
    first, second = io.StringIO(), io.StringIO()
    write_annuaire(first, 300, seed=9)
    write_annuaire(second, 300, seed=9)
    assert first.getvalue() == second.getvalue()
    records = json.loads(first.getvalue())["service"]
    sizes = [len(json.dumps(r, ensure_ascii=False).encode()) for r in records]
    assert all(SIZE_MIN - 10 <= s <= SIZE_MAX + 120 for s in sizes), (min(sizes), max(sizes))
    assert 3000 <= sum(sizes) / len(sizes) <= 4000


def test_communes_spread_over_the_101_departments() -> None:
    out = io.StringIO()
    count = write_annuaire(out, 3000, seed=1, commune_count=1200)
    assert count == 1200 and len(DEPARTMENTS) == 101
    records = json.loads(out.getvalue())["service"]
    departments = {r["url_service_public"].split("/")[3] for r in records}
    assert departments == set(DEPARTMENTS)


def test_the_project_parsers_read_every_generated_sheet_and_body(generated: tuple[Path, Path]) -> None:
    from allo.directory.parse import iter_bodies
    from allo.knowledge.parse import parse_sheet

    with zipfile.ZipFile(generated[0]) as archive:
        sheets = [parse_sheet(archive.read(n), n) for n in archive.namelist()]
    assert len(sheets) == 120 and all(s.title for s in sheets)
    with generated[1].open("rb") as source:
        bodies = list(iter_bodies(source))
    assert len(bodies) == 400 and all(b.pivots and b.insee for b in bodies)
