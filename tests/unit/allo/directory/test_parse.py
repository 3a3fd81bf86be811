"""The directory parser over the official sample and edge cases (API form, old pivots, bad files)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from allo.directory.parse import CountingReader, DirectoryFormatError, iter_bodies, parse_records

FIXTURES = Path(__file__).parents[3] / "fixtures" / "dila"
SAMPLE = (FIXTURES / "annuaire.json").read_bytes()
EDGE = (FIXTURES / "annuaire-edge.json").read_bytes()


def _by_id(data: bytes) -> dict[str, object]:
    return {b.id[-2:]: b for b in iter_bodies(data)}


def test_sample_reads_every_body_with_its_fields():
    bodies = _by_id(SAMPLE)
    assert len(bodies) == 34
    metz = bodies["01"]
    assert metz.name == "Mairie - Metz" and metz.insee == "57463" and metz.department == "57"
    assert metz.pivots == ("mairie",) and metz.served == (("mairie", "57463"),) and metz.main_for == ("mairie",)
    assert [p.number for p in metz.phones] == ["03 99 00 10 01", "03 99 00 10 02"]
    assert metz.emails == ("accueil.mairie-metz@example.fr", "etat-civil.mairie-metz@example.fr")
    assert metz.hours[0].first_day == 0 and metz.hours[0].last_day == 4
    assert metz.hours[0].slots == (("08:30", "12:00"), ("13:30", "17:30"))
    assert metz.hours[1].slots == (("09:00", "12:00"),) and metz.hours[1].comment == "État civil uniquement."
    assert metz.modified_at == datetime(2025, 3, 12, 10, 15, 42, tzinfo=ZoneInfo("Europe/Paris"))
    assert metz.addresses[0].longitude == pytest.approx(6.17596) and metz.addresses[0].accessibility == "ACC"
    assert "affectation" not in json.dumps(metz.columns(), default=str) and "EXEMPLE" not in repr(metz)


def test_sample_edge_shapes():
    bodies = _by_id(SAMPLE)
    prefecture = bodies["02"]
    assert [a.kind for a in prefecture.addresses] == ["physical", "postal"]
    assert prefecture.addresses[1].longitude is None and prefecture.postal_code == "57000"
    assert prefecture.children == ("00000000-3939-4000-8000-000000000003",)
    assert bodies["03"].pivots == () and bodies["03"].served == ()
    assert {i for _, i in bodies["04"].served} == {"57463", "57001", "57002", "57003"}
    assert bodies["14"].pivots == ("prefecture", "prefecture_region") and bodies["14"].main_for == ("prefecture",)
    assert bodies["18"].served == (("sip", "69383"),) and bodies["18"].main_for == ("sip",)  # old pivot shape
    assert bodies["23"].hours == () and bodies["23"].hours_comment.startswith("Accueil uniquement")
    assert bodies["26"].acronym == "" and bodies["26"].name  # null values read as empty
    assert bodies["32"].category == "" and not bodies["32"].national and bodies["32"].emails == ()
    assert bodies["33"].addresses[0].street == "Le Bourg" and bodies["33"].addresses[0].latitude is None
    assert bodies["29"].pivots == ("paris_mairie_arrondissement",) and bodies["29"].department == "75"
    assert bodies["11"].main_for == ()  # msap-57463-02: not the main office


def test_api_form_json_strings_and_semicolon_emails():
    bodies = _by_id(EDGE)
    ajaccio = bodies["01"]
    assert ajaccio.insee == "2A004" and ajaccio.department == "2A"
    assert ajaccio.served == (("mairie", "2A004"),) and ajaccio.main_for == ("mairie",)
    assert ajaccio.emails == ("accueil@ajaccio.example.fr", "etat-civil@ajaccio.example.fr")
    assert ajaccio.faxes == ("04 99 00 60 09",) and ajaccio.contact_forms == ("https://ajaccio.example.fr/contact",)
    assert ajaccio.websites[0].url == "https://ajaccio.example.fr" and ajaccio.phones[0].description == "Accueil"
    assert len(ajaccio.hours) == 1 and any("Samedy" in w for w in ajaccio.warnings)  # unknown day: dropped, said
    assert ajaccio.modified_at is not None and ajaccio.modified_at.hour == 9
    assert "FICTIF" not in json.dumps(ajaccio.columns(), default=str)
    reunion = bodies["02"]
    assert reunion.department == "974" and reunion.main_for == ("msap",)
    assert set(reunion.served) == {("caf", "97411"), ("caf", "97415"), ("msap", "97411")}
    assert reunion.emails == () and reunion.websites == () and reunion.addresses[0].longitude is None
    national = bodies["03"]
    assert national.national and national.insee == "" and national.department == "" and national.acronym == "DDD"
    assert national.modified_at is None


def test_the_hash_follows_the_content():
    first, second = list(iter_bodies(SAMPLE))[:2]
    assert first.columns()["source_hash"] == next(iter_bodies(SAMPLE)).columns()["source_hash"]
    assert first.columns()["source_hash"] != second.columns()["source_hash"]


def test_chunks_files_and_a_bare_array_read_the_same():
    expected = [b.id for b in iter_bodies(SAMPLE)]
    assert [b.id for b in iter_bodies(io.BytesIO(SAMPLE))] == expected
    assert [b.id for b in iter_bodies(SAMPLE[i:i + 7] for i in range(0, len(SAMPLE), 7))] == expected
    bare = json.dumps(json.loads(SAMPLE)["service"]).encode()
    assert [b.id for b in iter_bodies(bare)] == expected


@pytest.mark.parametrize(("data", "index", "message"), [
    (b'{"service": [{"id": "a", "nom": "A"}, {"id": "b", "nom": ', 1, "invalid JSON"),
    (b'{"services": [{"id": "a", "nom": "A"}]}', None, "no body found"),
    (b'{"service": {"id": "a"}}', None, "no body found"),
    (b"<xml/>", None, "not a directory export"),
    (b"", None, "not a directory export"),
    (b'{"service": [{"id": "a", "nom": "A"}, {"nom": "sans id"}]}', 1, 'no "id"'),
    (b'{"service": [{"id": "a", "nom": ""}]}', 0, 'no "nom"'),
    (b'{"service": [{"id": "a", "nom": "A"}, 3]}', 1, "must be a JSON object"),
])
def test_bad_files_raise_with_the_record_index(data, index, message):
    with pytest.raises(DirectoryFormatError) as caught:
        list(iter_bodies(data))
    assert caught.value.index == index and message in str(caught.value)
    if index is not None:
        assert f"service[{index}]" in str(caught.value)


def test_bad_records_are_reported_in_place_for_skip_bad():
    data = b'{"service": [{"id": "a", "nom": "A"}, {"nom": "sans id"}, {"id": "c", "nom": "C"}]}'
    parsed = list(parse_records(CountingReader(data)))
    assert [(p.index, p.body.id if p.body else None, bool(p.error)) for p in parsed] == [
        (0, "a", False), (1, None, True), (2, "c", False)]
