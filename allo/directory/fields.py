"""One export record (a dict as ijson yields it) → a `Body` (pure). Every field shape the DILA publishes is read:
a missing key, null, "" and [] are the same; nested fields may be arrays or JSON-encoded strings (the API);
e-mails a list or one string joined by ";"; a pivot's communes a list or one string (older files)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from allo.directory.records import DAYS, Address, Body, OpeningRange, Phone, Website, department_of

PARIS = ZoneInfo("Europe/Paris")
_DAY_INDEX = {day.lower(): i for i, day in enumerate(DAYS)}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class BadRecord(ValueError):
    """A record allo cannot keep (no id, no name, not an object); the message says which field."""


def text(value: Any) -> str:
    if type(value) is str:  # the common case first: this runs ~100 times per record
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)):
        return str(value)
    return ""


def nested(value: Any) -> list[Any]:
    """An array field: a list, one object, or a JSON-encoded string of either; anything else is empty."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return []
        if stripped[0] in "[{":
            try:
                value = json.loads(stripped)
            except ValueError:
                return []
        else:
            return [stripped]
    if isinstance(value, dict):
        return [value]
    return list(value) if isinstance(value, list) else []


def strings(value: Any, *, split: str | None = None) -> tuple[str, ...]:
    if type(value) is list and split is None and all(type(v) is str for v in value):
        return tuple(dict.fromkeys(v.strip() for v in value if v and not v.isspace()))
    out: list[str] = []
    for item in nested(value):
        parts = text(item).split(split) if split else [text(item)]
        out.extend(p.strip() for p in parts if p.strip())
    return tuple(dict.fromkeys(out))


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in nested(value) if isinstance(item, dict)]


def _coordinate(value: Any) -> float | None:
    try:
        return float(text(value).replace(",", ".")) if text(value) else None
    except ValueError:
        return None


def addresses(value: Any) -> tuple[Address, ...]:
    kinds = {"adresse": "physical", "adresse postale": "postal"}
    return tuple(Address(
        kind=kinds.get(text(a.get("type_adresse")).lower(), text(a.get("type_adresse")).lower() or "physical"),
        street=text(a.get("numero_voie")), complement1=text(a.get("complement1")),
        complement2=text(a.get("complement2")), distribution=text(a.get("service_distribution")),
        postal_code=text(a.get("code_postal")), commune=text(a.get("nom_commune")), country=text(a.get("pays")),
        longitude=_coordinate(a.get("longitude")), latitude=_coordinate(a.get("latitude")),
        accessibility=text(a.get("accessibilite")).upper(), accessibility_note=text(a.get("note_accessibilite")),
    ) for a in _objects(value))


def _clock(value: Any) -> str | None:
    match = _TIME.match(text(value))
    if not match or int(match[1]) > 24 or int(match[2]) > 59:
        return None
    return f"{int(match[1]):02d}:{match[2]}"


def opening_ranges(value: Any, warnings: list[str]) -> tuple[OpeningRange, ...]:
    ranges: list[OpeningRange] = []
    for entry in _objects(value):
        first = _DAY_INDEX.get(text(entry.get("nom_jour_debut")).lower())
        last = _DAY_INDEX.get(text(entry.get("nom_jour_fin")).lower() or text(entry.get("nom_jour_debut")).lower())
        slots: list[tuple[str, str]] = []
        for n in (1, 2):
            opens, closes = entry.get(f"valeur_heure_debut_{n}"), entry.get(f"valeur_heure_fin_{n}")
            if not text(opens) and not text(closes):
                continue  # the second slot is "" when absent
            start, end = _clock(opens), _clock(closes)
            if start is None or end is None or start >= end:
                warnings.append(f"opening slot {text(opens)!r}-{text(closes)!r} ignored")
                continue
            slots.append((start, end))
        if first is None or last is None:
            warnings.append(f"opening range with days {entry.get('nom_jour_debut')!r}-{entry.get('nom_jour_fin')!r}"
                            " ignored")
            continue
        ranges.append(OpeningRange(first, last, tuple(slots), text(entry.get("commentaire"))))
    return tuple(ranges)


def parse_date(value: Any) -> datetime | None:
    """"DD/MM/YYYY HH:MM:SS", Paris wall clock (the export has no zone); ISO accepted (the API)."""
    raw = text(value)
    if len(raw) == 19 and raw[2] == "/" and raw[5] == "/":  # the export's form, without strptime's cost
        try:
            return datetime(int(raw[6:10]), int(raw[3:5]), int(raw[:2]), int(raw[11:13]), int(raw[14:16]),
                            int(raw[17:19]), tzinfo=PARIS)
        except ValueError:
            pass
    for layout in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=PARIS)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


def _pivots(record: dict[str, Any]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]:
    codes: list[str] = []
    served: list[tuple[str, str]] = []
    main: list[str] = []
    for entry in _objects(record.get("pivot")):
        code = text(entry.get("type_service_local"))
        if not code:
            continue
        codes.append(code)
        served.extend((code, insee) for insee in strings(entry.get("code_insee_commune")) if _INSEE.match(insee))
        if text(entry.get("indice_code_pivot")) == "01":  # the older shape says "main office" per pivot
            main.append(code)
    old = text(record.get("ancien_code_pivot")).rsplit("-", 2)
    if len(old) == 3 and old[2] == "01" and old[0]:
        main.append(old[0])
    return tuple(dict.fromkeys(codes)), tuple(dict.fromkeys(served)), tuple(dict.fromkeys(main))


def body_from_record(record: Any) -> Body:
    if not isinstance(record, dict):
        raise BadRecord(f"a record must be a JSON object, not {type(record).__name__}")
    body_id, name = text(record.get("id")), text(record.get("nom"))
    if not body_id:
        raise BadRecord("the record has no \"id\"")
    if len(body_id) > 64:
        raise BadRecord(f"the \"id\" is longer than 64 characters: {body_id[:70]!r}…")
    if not name:
        raise BadRecord(f"the record {body_id} has no \"nom\"")
    warnings: list[str] = []
    found = addresses(record.get("adresse"))
    physical = next((a for a in found if a.kind == "physical"), found[0] if found else None)
    insee = text(record.get("code_insee_commune")).upper()
    if insee and not _INSEE.match(insee):
        warnings.append(f"code_insee_commune {insee!r} ignored")
        insee = ""
    category, org_type = text(record.get("categorie")), text(record.get("type_organisme"))
    pivots, served, main_for = _pivots(record)
    return Body(
        id=body_id, name=name, acronym=text(record.get("sigle")), category=category[:16], org_type=org_type,
        national=not insee or category.upper() not in ("", "SL"),
        insee=insee, department=department_of(insee),
        commune_name=physical.commune if physical else "",
        postal_code=physical.postal_code[:5] if physical else "",
        pivots=pivots, served=served, main_for=main_for,
        children=tuple(dict.fromkeys(text(h.get("service")) for h in _objects(record.get("hierarchie"))
                                     if text(h.get("service")))),
        addresses=found,
        phones=tuple(Phone(text(p.get("valeur")), text(p.get("description")))
                     for p in _objects(record.get("telephone")) if text(p.get("valeur"))),
        faxes=strings(record.get("telecopie")),
        emails=strings(record.get("adresse_courriel"), split=";"),
        websites=tuple(Website(text(s.get("libelle")), text(s.get("valeur")))
                       for s in _objects(record.get("site_internet")) if text(s.get("valeur"))),
        contact_forms=strings(record.get("formulaire_contact")),
        hours=opening_ranges(record.get("plage_ouverture"), warnings),
        hours_comment=text(record.get("commentaire_plage_ouverture")),
        url=text(record.get("url_service_public")),
        modified_at=parse_date(record.get("date_modification")),
        warnings=tuple(warnings),
    )
