"""The answer-sheet parser on the DILA samples (tests/fixtures/dila/fiches, copied from the formats' samples) and
on files of our own: every element of the format, ISO-8859-15, unknown elements, and each kind of bad file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from allo.knowledge.parse import parse_sheet
from allo.knowledge.sheet import SheetError, SheetKind

DILA = Path(__file__).parents[3] / "fixtures" / "dila"


def sheet(folder: str, sheet_id: str):
    path = DILA / folder / f"{sheet_id}.xml"
    return parse_sheet(path.read_bytes(), path.name)


def test_every_sample_parses_with_its_kind_and_parent() -> None:
    parsed = {p.stem: parse_sheet(p.read_bytes(), p.name) for p in (DILA / "fiches").glob("*.xml")}
    assert len(parsed) == 12
    kinds = {i: s.kind for i, s in parsed.items()}
    assert kinds["N90000"] is SheetKind.THEME and kinds["N90010"] is SheetKind.DOSSIER
    assert kinds["F90015"] is SheetKind.QUESTION and kinds["F90011"] is SheetKind.FICHE
    assert parsed["F90011"].parent_id == "N90010" and parsed["F90011"].theme_id == "N90000"
    assert parsed["N90010"].parent_id == "N90000" and parsed["N90000"].parent_id is None
    assert all(not s.unknown_elements for s in parsed.values())


def test_metadata_and_breadcrumb() -> None:
    s = sheet("fiches", "F90011")
    assert s.title == "Carte d'identité : faire une demande"
    assert s.summary.startswith("La demande de carte d'identité se dépose en personne")
    assert s.subject == "Démarches du quotidien" and s.audiences == ["Particuliers"]
    assert s.modified_on == date(2025, 2, 3)
    assert s.important_change_at is not None and s.important_change_at.isoformat() == "2025-02-03T00:00:00+01:00"
    assert s.sp_url == "https://www.service-public.gouv.fr/particuliers/vosdroits/F90011"
    assert [n["id"] for n in s.breadcrumb] == ["Particuliers", "N90000", "N90010", "F90011"]


def test_situations_chapters_lists_definitions_and_nested_where() -> None:
    doc = sheet("fiches", "F90011").document
    [situations] = doc["blocks"]
    assert situations["t"] == "cases" and situations["display"] == "onglet"
    assert [c["title"] for c in situations["cases"]] == [["Personne majeure"], ["Personne mineure"]]
    chapter = situations["cases"][0]["c"][0]
    assert chapter["t"] == "chapter" and chapter["title"] == ["Préparer la demande"]
    assert chapter["c"][2] == {"t": "list", "kind": "puce", "items": [
        [{"t": "p", "c": ["une photo récente et conforme aux normes ;"]}],
        [{"t": "p", "c": ["un justificatif de domicile ;"]}],
        [{"t": "p", "c": ["l'ancienne carte, s'il s'agit d'un renouvellement."]}]]}
    where = situations["cases"][0]["c"][1]["c"][1]
    assert where == {"t": "where", "role": "ousadresser", "kind": "local", "id": "R90101", "title": "Mairie",
                     "pivot": "mairie", "url": "https://www.example.fr/mairies-equipees", "c": []}
    assert doc["where"] == [where]
    assert doc["intro"][1]["c"][3] == {"t": "def", "ref": "R90105", "c": ["dispositif de recueil"]}
    assert doc["definitions"]["R90105"]["title"] == "Dispositif de recueil"
    assert doc["references"][0]["note"] == "Conditions de délivrance"
    assert doc["services"][0]["title"] == "Pré-demande de carte d'identité"


def test_bloc_cas_radio_callout_and_nested_service() -> None:
    s = sheet("fiches", "F90012")
    cases, note = s.document["blocks"]
    assert cases["display"] == "radio" and len(cases["cases"]) == 2
    assert cases["cases"][1]["c"][1]["t"] == "service"
    assert note["t"] == "callout" and note["kind"] == "ANoter"
    assert s.pivots == ["prefecture"] and [w["pivot"] for w in s.document["where"]] == ["prefecture"]


def test_links_abbreviations_and_both_question_forms() -> None:
    s = sheet("fiches", "F90013")
    assert s.links == ["F90015", "F90014"]  # R90201 (a Sigle) is not a sheet
    assert s.document["abbreviations"]["R90201"]["kind"] == "Sigle"
    assert s.document["questions"] == [{"id": "F90015", "title": "Peut-on démissionner par un simple courriel ?"}]
    titled = sheet("extra", "F90031").document["questions"]
    assert titled == [{"id": "F90015", "title": "Peut-on démissionner par un simple courriel ?"}]


def test_national_where_with_text_and_missing_link() -> None:
    s = sheet("fiches", "F90014")
    assert s.pivots == ["prudhommes", "ddets"] and s.links == ["F90099"]
    national = s.document["where"][-1]
    assert national["kind"] == "national" and national["pivot"] is None
    assert national["c"][0]["c"] == ["Pour une question générale sur la rupture du contrat de travail"]


def test_question_reponse_sheet() -> None:
    s = sheet("fiches", "F90015")
    assert s.kind is SheetKind.QUESTION
    assert s.document["blocks"][0]["c"][0] == {"t": "em", "c": ["Oui."]}


def test_table_and_cerfa() -> None:
    table = sheet("fiches", "F90021").document["blocks"][1]
    assert table["t"] == "table" and table["rows"][0]["header"] and not table["rows"][1]["header"]
    assert table["rows"][1]["cells"][1] == [{"t": "p", "c": ["14 jours"]}]
    services = sheet("fiches", "F90023").document["services"]
    assert [x["cerfa"] for x in services] == [None, "00000*01"]


def test_theme_and_dossier_trees() -> None:
    theme = sheet("fiches", "N90000").document["children"]
    assert theme[0] == {"id": "N90100", "title": "Papiers et travail", "kind": "sous-theme", "children": [
        {"id": "N90010", "title": "Papiers, séjour et contrat de travail", "kind": "dossier", "children": []}]}
    dossier = sheet("fiches", "N90010")
    assert [f["id"] for f in dossier.document["children"][1]["children"]] == ["F90013", "F90014"]
    assert dossier.document["see_also"] == [{"id": "N90020", "title": "Consommation, famille, impôts et logement"}]
    assert "Démission" in sheet("fiches", "N90010").body_text


def test_every_other_element() -> None:
    s = sheet("extra", "F90031")
    assert s.kind is SheetKind.HOW_TO and s.audiences == ["Particuliers", "Professionnels"]
    doc = s.document
    assert doc["warnings"][0]["title"] == "Nouvelle procédure"
    assert doc["intro"][0]["c"] == ["Le 1", {"t": "sup", "c": ["er"]}, " réflexe : faire une ",
                                    {"t": "expr", "c": ["déclaration de perte"]}, "."]
    chapter, table = doc["blocks"]
    sub, rappel, exemple, helper = chapter["c"]
    assert sub["t"] == "subchapter" and sub["c"][1]["kind"] == "numerotee"
    assert sub["c"][2]["role"] == "pourensavoirplus"
    assert (rappel["kind"], exemple["kind"]) == ("Rappel", "Exemple")
    assert helper["role"] == "quipeutmaider" and helper["pivot"] == "msap"
    assert table["title"] == ["Coût du remplacement"] and table["rows"][1]["cells"][0][0]["c"] == ["Carte d'identité"]
    assert [w["kind"] for w in doc["where"]] == ["local", "national"]
    assert doc["services"][-1]["cerfa"] == "14011*03"  # numeroCerfa, whatever its case
    assert doc["abbreviations"]["R90317"] == {"title": "ANTS", "kind": "Acronyme",
                                             "text": "Agence nationale des titres sécurisés"}
    assert doc["see_also"] == [{"id": "F90011", "title": "Carte d'identité"}]
    assert "récépissé" in s.body_text and "déclaration de perte" in s.body_text


def test_iso_8859_15_and_unknown_elements_kept_as_text() -> None:
    s = sheet("extra", "F90032")
    assert s.title == "Redevance d'enlèvement des ordures ménagères"
    assert "150 €" in s.summary and "150 €" in s.body_text
    assert s.unknown_elements == {"Cadre": 1, "ElementInconnu": 1}
    assert s.document["blocks"][1] == {"t": "unknown", "tag": "Cadre",
                                       "text": "Encadré hérité de l'ancien format : à conserver comme texte."}
    assert "gardé comme texte" in s.body_text


@pytest.mark.parametrize(("sheet_id", "line", "message"), [
    ("F90041", 6, "XML mal formé / malformed XML: Opening and ending tag mismatch"),
    ("F90042", 2, "l'élément racine est <Menu>, pas <Publication>"),
    ("F90043", 2, "dc:title absent ou vide / missing dc:title"),
    ("F90044", 2, "ID F12345 différent du nom du fichier"),
])
def test_bad_files_name_their_line(sheet_id: str, line: int, message: str) -> None:
    with pytest.raises(SheetError) as error:
        sheet("bad", sheet_id)
    assert (error.value.name, error.value.line) == (f"{sheet_id}.xml", line)
    assert message in error.value.message
    assert str(error.value).startswith(f"{sheet_id}.xml:{line}: ")


def test_empty_and_not_xml() -> None:
    for data in (b"", b"PK\x03\x04 not xml"):
        with pytest.raises(SheetError, match="malformed XML"):
            parse_sheet(data, "F1.xml")


def test_external_entities_are_never_resolved() -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE Publication [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<Publication xmlns:dc="http://purl.org/dc/elements/1.1/" ID="F1"><dc:title>T</dc:title>'
            b'<Texte><Paragraphe>Secret : &xxe;</Paragraphe></Texte></Publication>')
    s = parse_sheet(data, "F1.xml")
    assert "root:" not in s.body_text and s.body_text == "Secret :"


def test_source_hash_changes_with_the_content_only() -> None:
    path = DILA / "fiches" / "F90013.xml"
    data = path.read_bytes()
    first, again = parse_sheet(data, path.name).row(), parse_sheet(data, path.name).row()
    changed = parse_sheet(data.replace(b"sans avoir", b"sans jamais avoir"), path.name).row()
    assert first["source_hash"] == again["source_hash"] != changed["source_hash"]
