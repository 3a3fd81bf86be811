"""A public body of the directory as allo keeps it: typed, normalised, without personal data (pure data)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")


@dataclass(frozen=True, slots=True)
class Address:
    kind: str  # "physical" (type_adresse "Adresse") | "postal" ("Adresse postale") | other, as published
    street: str  # numero_voie: the street line, or "Le Bourg" with the street in complement1
    complement1: str
    complement2: str
    distribution: str  # service_distribution (BP, CS…)
    postal_code: str
    commune: str
    country: str
    longitude: float | None
    latitude: float | None
    accessibility: str  # ACC | NAC | DEM | ""
    accessibility_note: str


@dataclass(frozen=True, slots=True)
class Phone:
    number: str
    description: str


@dataclass(frozen=True, slots=True)
class Website:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class OpeningRange:
    """Days first..last (0 = Monday) open in up to two slots ("HH:MM", "HH:MM"); `comment` as published."""

    first_day: int
    last_day: int
    slots: tuple[tuple[str, str], ...]
    comment: str


@dataclass(frozen=True, slots=True)
class Body:
    id: str
    name: str
    acronym: str
    category: str
    org_type: str
    national: bool
    insee: str
    department: str
    commune_name: str
    postal_code: str
    pivots: tuple[str, ...]
    served: tuple[tuple[str, str], ...]  # (pivot, INSEE) for every commune served by each pivot
    main_for: tuple[str, ...]  # pivots for which the body is the commune's main office (ancien_code_pivot -01)
    children: tuple[str, ...]  # hierarchie (Service Fils and Autre hiérarchie): the import inverts it to parents
    addresses: tuple[Address, ...]
    phones: tuple[Phone, ...]
    faxes: tuple[str, ...]
    emails: tuple[str, ...]
    websites: tuple[Website, ...]
    contact_forms: tuple[str, ...]
    hours: tuple[OpeningRange, ...]
    hours_comment: str
    url: str
    modified_at: datetime | None
    warnings: tuple[str, ...] = field(default=(), compare=False)  # fields dropped as unreadable (not stored)

    def columns(self) -> dict[str, Any]:
        """The dir_bodies columns this record sets (JSON-ready values), `source_hash` included."""
        values: dict[str, Any] = {
            "id": self.id, "name": self.name, "acronym": self.acronym, "category": self.category,
            "org_type": self.org_type, "national": self.national, "insee": self.insee,
            "department": self.department, "commune_name": self.commune_name, "postal_code": self.postal_code,
            "pivots": list(self.pivots), "main_for": list(self.main_for),
            "addresses": [address_json(a) for a in self.addresses],
            "phones": [{"number": p.number, "description": p.description} for p in self.phones],
            "faxes": list(self.faxes), "emails": list(self.emails),
            "websites": [{"label": w.label, "url": w.url} for w in self.websites],
            "contact_forms": list(self.contact_forms),
            "hours": [hours_json(r) for r in self.hours],
            "hours_comment": self.hours_comment, "url": self.url,
            "modified_at": self.modified_at,
        }
        hashed = dict(values, modified_at=self.modified_at.isoformat() if self.modified_at else None,
                      served=[list(s) for s in self.served])
        canonical = json.dumps(hashed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        values["source_hash"] = hashlib.sha256(canonical.encode()).hexdigest()
        return values


def address_json(a: Address) -> dict[str, Any]:
    # by hand: dataclasses.asdict (recursive, deep-copying) was a third of an import's CPU
    return {"kind": a.kind, "street": a.street, "complement1": a.complement1, "complement2": a.complement2,
            "distribution": a.distribution, "postal_code": a.postal_code, "commune": a.commune, "country": a.country,
            "longitude": a.longitude, "latitude": a.latitude, "accessibility": a.accessibility,
            "accessibility_note": a.accessibility_note}


def hours_json(opening: OpeningRange) -> dict[str, Any]:
    return {"first_day": opening.first_day, "last_day": opening.last_day,
            "slots": [list(s) for s in opening.slots], "comment": opening.comment}


def hours_from_json(rows: list[dict[str, Any]]) -> tuple[OpeningRange, ...]:
    return tuple(OpeningRange(int(r["first_day"]), int(r["last_day"]),
                              tuple((str(s[0]), str(s[1])) for s in r.get("slots", [])), str(r.get("comment", "")))
                 for r in rows)


def department_of(insee: str) -> str:
    """Département of an INSEE commune code: 2 characters (2A/2B for Corsica), 3 overseas (971…989)."""
    if len(insee) != 5:
        return ""
    return insee[:3] if insee[:2] in ("97", "98") else insee[:2]
