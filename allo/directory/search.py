"""Directory search: a name (French full-text + trigram), a type (French words → pivot codes), a commune (bodies
serving it first, then located in it, then in its department, then national ones), "open now"."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from allo.directory.communes import Commune, resolve_commune
from allo.directory.hours import status
from allo.directory.records import hours_from_json
from allo.directory.types import fold, labels, recognise

MAX_LIMIT = 100


class Tier(enum.IntEnum):
    """How a body relates to the commune asked for: the order of the results."""

    SERVES = 0  # its pivot serves the commune (dir_served)
    IN_COMMUNE = 1
    IN_DEPARTMENT = 2
    NATIONAL = 3
    ELSEWHERE = 4


TIER_LABELS = {Tier.SERVES: "compétent pour la commune", Tier.IN_COMMUNE: "dans la commune",
               Tier.IN_DEPARTMENT: "dans le département", Tier.NATIONAL: "national", Tier.ELSEWHERE: "ailleurs"}


class EmptyQuery(ValueError):
    """Nothing to search for: no name, no type and no commune."""


@dataclass(frozen=True, slots=True)
class DirectoryQuery:
    q: str = ""
    commune: str = ""
    type: str = ""
    open_now: bool = False
    limit: int = 20


@dataclass(frozen=True, slots=True)
class Criteria:
    """The query understood: pivots from the type words, the commune, the name words left."""

    pivots: tuple[str, ...]
    commune: Commune | None
    name: str


async def understand(session: AsyncSession, query: DirectoryQuery) -> Criteria:
    in_q = recognise(query.q)
    pivots, name = in_q.pivots, in_q.rest
    if query.type.strip():
        typed = recognise(query.type)
        if typed.pivots:  # an explicit type: q is all name
            pivots, name = typed.pivots, fold(query.q)
        else:  # not a type word allo knows: searched as a name
            name = " ".join(filter(None, (typed.rest, in_q.rest)))
    commune = await resolve_commune(session, query.commune) if query.commune.strip() else None
    if commune is None and not query.commune.strip() and name:
        # "caf metz": what is left after the type words may be the commune (exact name or code only)
        guessed = await resolve_commune(session, name, fuzzy=False)
        if guessed is not None and (pivots or guessed.name):
            commune, name = guessed, ""
    if not pivots and commune is None and not name:
        raise EmptyQuery("Saisissez un nom, un type d'organisme ou une commune.")
    return Criteria(pivots, commune, name)


_SQL = """
SELECT b.id, b.name, b.acronym, b.insee, b.department, b.commune_name, b.postal_code, b.pivots, b.main_for,
       b.national, b.addresses, b.phones, b.emails, b.websites, b.hours, b.hours_comment, b.url,
       {tier} AS tier,
       {text_rank} AS text_rank
FROM dir_bodies b
WHERE b.retired_at IS NULL {filters}
ORDER BY tier, (b.main_for && :pivots) DESC, text_rank DESC,
         (allo_fold(b.name) ~ '(deleguee|annexe)') , b.name, b.id
LIMIT :fetch
"""


def _sql(criteria: Criteria) -> str:
    filters: list[str] = []
    if criteria.pivots:
        filters.append("b.pivots && :pivots")
    if criteria.name:
        filters.append("(b.search @@ websearch_to_tsquery('allo_fr', :name) OR :name <% allo_fold(b.name))")
        text_rank = ("ts_rank(b.search, websearch_to_tsquery('allo_fr', :name)) "
                     "+ word_similarity(:name, allo_fold(b.name))")
    else:
        text_rank = "0"
    if criteria.commune is not None:
        served = ("EXISTS (SELECT 1 FROM dir_served s WHERE s.body_id = b.id AND s.insee = :insee"  # noqa: S608
                  + (" AND s.pivot = ANY(:pivots))" if criteria.pivots else ")"))
        tier = (f"CASE WHEN {served} THEN 0 WHEN b.insee = :insee THEN 1 WHEN b.department = :department "
                "AND b.department <> '' THEN 2 WHEN b.national THEN 3 ELSE 4 END")
        filters.append(f"({tier}) < 4")
    else:
        tier = "CASE WHEN b.national THEN 3 ELSE 4 END"
    return _SQL.format(tier=tier, text_rank=text_rank, filters="".join(f" AND {f}" for f in filters))


def _address(addresses: list[dict[str, Any]]) -> str:
    physical = next((a for a in addresses if a.get("kind") == "physical"), addresses[0] if addresses else None)
    if physical is None:
        return ""
    parts = [physical.get("complement1", ""), physical.get("complement2", ""), physical.get("street", ""),
             physical.get("distribution", ""), f"{physical.get('postal_code', '')} {physical.get('commune', '')}"]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def hit(row: Any, now: datetime, tier: Tier | None) -> dict[str, Any]:
    """One body as the API shows it (search results and the body page share it)."""
    opening = status(hours_from_json(row.hours), now)
    return {
        "id": row.id, "name": row.name, "acronym": row.acronym, "address": _address(row.addresses),
        "addresses": row.addresses, "insee": row.insee, "commune_name": row.commune_name,
        "postal_code": row.postal_code, "department": row.department, "national": row.national,
        "phones": row.phones, "emails": row.emails, "websites": row.websites,
        "hours": row.hours, "hours_comment": row.hours_comment, "open_now": opening.open,
        "opening_status": opening.text, "pivots": row.pivots, "pivot_labels": labels(row.pivots),
        "main_for": row.main_for, "url": row.url,
        "distance_rank": None if tier is None else int(tier),
        "distance_label": None if tier is None else TIER_LABELS[tier],
    }


async def search_directory(session: AsyncSession, query: DirectoryQuery, now: datetime) -> dict[str, Any]:
    criteria = await understand(session, query)
    limit = max(1, min(query.limit, MAX_LIMIT))
    commune = criteria.commune
    params = {"pivots": list(criteria.pivots), "name": criteria.name,
              "insee": commune.insee if commune else "", "department": commune.department if commune else "",
              "fetch": max(limit * 5, 100) if query.open_now else limit}
    rows = (await session.execute(text(_sql(criteria)), params)).all()
    results = [hit(row, now, Tier(row.tier) if commune else None) for row in rows]
    if query.open_now:
        results = [r for r in results if r["open_now"]]
    return {
        "commune": None if commune is None else {"insee": commune.insee, "name": commune.name,
                                                 "postal_codes": list(commune.postal_codes),
                                                 "department": commune.department},
        "type": labels(criteria.pivots),
        "name": criteria.name,
        "results": results[:limit],
    }
