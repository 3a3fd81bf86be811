"""What a call lookup asks for (pure): one call by its id, or the calls started in a period (Paris time), a page at
a time. Every refusal is a French sentence (the API answers 422 with it, the page shows it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from routing.calendar_types import PARIS

MAX_RANGE = timedelta(days=31)
DEFAULT_SPAN = timedelta(days=1)  # when only one end of the period is given
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
CALL_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # Asterisk's Uniqueid: "1733540000.42"


class BadLookup(ValueError):
    """A lookup that cannot be run; the message is French, for the person asking."""


@dataclass(frozen=True)
class LookupQuery:
    call_id: str | None
    start: datetime | None  # aware; calls started at or after
    end: datetime | None  # aware; calls started before
    limit: int
    offset: int


def parse_moment(text: str, field: str, *, end: bool = False) -> datetime:
    """"2026-12-07", "2026-12-07 14:30", "2026-12-07T14:30" (a page's datetime-local), with or without seconds,
    in Paris time unless an offset is given. A date alone is its midnight; as the end of a period, the next one
    (so "du 07 au 07" is that whole day)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=PARIS)
        else:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except (ValueError, OverflowError):
        raise BadLookup(f"« {field} » : date illisible « {value[:40]} » (attendu AAAA-MM-JJ ou AAAA-MM-JJ HH:MM)") \
            from None
    if not 2000 <= moment.year <= 2999:  # also keeps the period's arithmetic and PostgreSQL in range
        raise BadLookup(f"« {field} » : année hors limites ({moment.year})")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)


def _count(text: str | None, field: str, default: int, low: int, high: int) -> int:
    if text is None or text.strip() == "":
        return default
    if not (text.strip().isascii() and text.strip().isdigit()) or not low <= int(text) <= high:
        raise BadLookup(f"« {field} » doit être un nombre entier de {low} à {high}")
    return int(text)


def parse_lookup(call_id: str | None, first: str | None, last: str | None, limit: str | None = None,
                 offset: str | None = None) -> LookupQuery:
    size = _count(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    skip = _count(offset, "offset", 0, 0, 1_000_000)
    if call_id is not None and call_id.strip():
        if not CALL_ID.match(call_id.strip()):
            raise BadLookup("Identifiant d'appel invalide (chiffres, lettres, point, tiret ; 64 caractères au plus)")
        return LookupQuery(call_id.strip(), None, None, size, skip)
    start = parse_moment(first, "du") if first and first.strip() else None
    end = parse_moment(last, "au", end=True) if last and last.strip() else None
    if start is None:
        if end is None:
            raise BadLookup("Donnez un identifiant d'appel ou une période (du … au …)")
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    if end <= start:
        raise BadLookup("La fin de la période doit être après son début")
    if end - start > MAX_RANGE:
        raise BadLookup(f"La période dépasse {MAX_RANGE.days} jours : choisissez-en une plus courte")
    return LookupQuery(None, start, end, size, skip)
