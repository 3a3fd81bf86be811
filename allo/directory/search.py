"""Directory search: a name (French full-text + trigram), a type (French words → pivot codes), a commune (bodies
serving it first, then located in it, then in its department, then national ones), "open now"."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from allo.directory.communes import Commune, resolve_commune
from allo.directory.hours import describe, status
from allo.directory.records import hours_from_json
from allo.directory.types import correct, expand, fold, labels, recognise

MAX_LIMIT = 100
POOL_MIN = 200  # the name's trigram word similarity re-ranks at least this many full-text candidates


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
    unknown_commune: bool = False  # a commune was typed and allo does not know it: no result rather than all


async def understand(session: AsyncSession, query: DirectoryQuery) -> Criteria:
    in_q = recognise(query.q)
    pivots, name = in_q.pivots, in_q.rest
    if query.type.strip():
        typed = recognise(query.type)
        if typed.pivots:  # an explicit type: q is all name
            pivots, name = typed.pivots, fold(query.q)
        else:  # not a type word allo knows: searched as a name
            name = " ".join(filter(None, (typed.rest, in_q.rest)))
    name = expand(name)
    commune = await resolve_commune(session, query.commune) if query.commune.strip() else None
    if commune is None and not query.commune.strip() and name:
        # "caf metz": what is left after the type words may be the commune (exact name or code only)
        guessed = await resolve_commune(session, name, fuzzy=False)
        if guessed is not None and (pivots or guessed.name):
            commune, name = guessed, ""
    if not pivots and commune is None and not name:
        raise EmptyQuery("Saisissez un nom, un type d'organisme ou une commune.")
    return Criteria(pivots, commune, name, unknown_commune=commune is None and bool(query.commune.strip()))


# The ranking sorts narrow rows (id and the keys); only the `fetch` best are joined back for their JSON columns.
# The name's full-text rank first, its trigram word similarity (about 7 µs a row) only on the `pool` best of that: a
# common name word matches thousands of bodies (« brigade de gendarmerie » 5,249), all with the same words.
_SELECT = """
SELECT b.id, b.name, b.acronym, b.insee, b.department, b.commune_name, b.postal_code, b.pivots, b.main_for,
       b.national, b.addresses, b.phones, b.emails, b.websites, b.hours, b.hours_comment, b.url, r.tier
FROM (SELECT p.id, p.tier, p.main, p.pre + {rerank} AS text_rank, p.secondary, p.name
      FROM (SELECT b.id, {tier} AS tier, (b.main_for && CAST(:pivots AS text[])) AS main, {text_rank} AS pre,
                   (b.name ~* '(d[ée]l[ée]gu[ée]e|annexe)') AS secondary, b.name
            FROM dir_bodies b {join}
            WHERE b.retired_at IS NULL {filters}
            ORDER BY tier, main DESC, pre DESC, secondary, b.name, b.id
            LIMIT :pool) p
      ORDER BY tier, main DESC, text_rank DESC, secondary, name, id
      LIMIT :fetch) r
JOIN dir_bodies b ON b.id = r.id
ORDER BY r.tier, r.main DESC, r.text_rank DESC, r.secondary, r.name, r.id
"""
# With a commune, the candidates are a union of small index probes (served by a pivot asked for, in the commune,
# in its department, national), each already narrowed to the pivots asked for, rather than a test of every body
# of the type: the served probe uses dir_served (pivot, insee), which is why a commune without a type skips the
# "serves" rank. National bodies: by their pivots when a type is asked (no index on `national`), else those
# without a commune (indexed).
_NEAR = """
JOIN (SELECT body_id AS id FROM dir_served WHERE {served}
      UNION SELECT id FROM dir_bodies WHERE insee = :insee {pivots}
      UNION SELECT id FROM dir_bodies WHERE department = :department AND department <> '' {pivots_filter}
      UNION SELECT id FROM dir_bodies WHERE {national}) near ON near.id = b.id
"""
_FUZZY = """
JOIN (SELECT id, max(sim) AS sim
      FROM (SELECT id, similarity(:name, allo_fold(name)) AS sim FROM dir_bodies
            WHERE :name % allo_fold(name) {pivots}
            UNION ALL SELECT id, word_similarity(:name, allo_fold(name)) FROM dir_bodies
            WHERE :name <% allo_fold(name) {pivots}) found
      GROUP BY id) f ON f.id = b.id
"""
_SERVED = "pivot = ANY(CAST(:pivots AS text[])) AND insee = :insee"


def prefix_query(name: str) -> str:
    """The name's words for to_tsquery, all required, the last one as a prefix (typing): "'caisse' & 'allocat':*".
    Only letters and digits reach PostgreSQL's syntax."""
    words = re.findall(r"[0-9a-z]+", fold(name))
    return " & ".join(f"'{w}'" for w in words[:-1]) + (" & " if len(words) > 1 else "") + (
        f"'{words[-1]}':*" if words else "")


def _sql(criteria: Criteria, *, fuzzy: bool = False) -> str:
    """Full-text first (GIN, the name's words, the last one a prefix); `fuzzy`: trigram word similarity on the
    folded name instead, for when the words found nothing (a misspelling): a wider scan, so only then."""
    filters: list[str] = []
    if criteria.pivots and criteria.commune is None:  # with a commune, each probe of _NEAR filters the pivots
        filters.append("b.pivots && CAST(:pivots AS text[])")
    join, rerank = "", "0"
    if criteria.name and fuzzy:
        # Each probe of the trigram index gives its own similarity, computed once a row (a common word matches
        # thousands of names: « gendarmrie » 5,250), instead of an OR rechecked twice and the ranks computed again.
        join = _FUZZY.format(pivots="AND pivots && CAST(:pivots AS text[])" if criteria.pivots else "")
        text_rank = "f.sim"
    elif criteria.name:
        filters.append("b.search @@ to_tsquery('allo_fr', :tsq)")
        # the tsquery once (an InitPlan), not per candidate row: a stable function in a select list is called per row
        text_rank = "ts_rank(b.search, (SELECT to_tsquery('allo_fr', :tsq)))"
        rerank = "word_similarity(:name, allo_fold(p.name))"
    else:
        text_rank = "0"
    if criteria.commune is not None:
        with_pivots = "AND pivots && CAST(:pivots AS text[])" if criteria.pivots else ""
        # A département holds hundreds of bodies, a common type thousands: its pivots are checked on its rows
        # (the `|| '{}'` keeps the planner from ANDing in the pivots index, which costs more than it saves).
        filter_pivots = "AND (pivots || '{}') && CAST(:pivots AS text[])" if criteria.pivots else ""
        join += _NEAR.format(served=_SERVED if criteria.pivots else "false", pivots=with_pivots,
                             pivots_filter=filter_pivots,
                             national=f"national {with_pivots}" if criteria.pivots else "insee = '' AND national")
        serves = ("EXISTS (SELECT 1 FROM dir_served s WHERE s.body_id = b.id AND s.insee = :insee "
                  "AND s.pivot = ANY(CAST(:pivots AS text[])))") if criteria.pivots else "false"
        tier = (f"CASE WHEN {serves} THEN 0 WHEN b.insee = :insee THEN 1 WHEN b.department = :department "
                "AND b.department <> '' THEN 2 WHEN b.national THEN 3 ELSE 4 END")
    else:
        tier = "CASE WHEN b.national THEN 3 ELSE 4 END"
    return _SELECT.format(tier=tier, text_rank=text_rank, rerank=rerank, join=join,
                          filters="".join(f" AND {f}" for f in filters))


def _address(addresses: list[dict[str, Any]]) -> str:
    physical = next((a for a in addresses if a.get("kind") == "physical"), addresses[0] if addresses else None)
    if physical is None:
        return ""
    parts = [physical.get("complement1", ""), physical.get("complement2", ""), physical.get("street", ""),
             physical.get("distribution", ""), f"{physical.get('postal_code', '')} {physical.get('commune', '')}"]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def hit(row: Any, now: datetime, tier: Tier | None) -> dict[str, Any]:
    """One body as the API shows it (search results and the body page share it)."""
    ranges = hours_from_json(row.hours)
    opening = status(ranges, now)
    return {
        "id": row.id, "name": row.name, "acronym": row.acronym, "address": _address(row.addresses),
        "addresses": row.addresses, "insee": row.insee, "commune_name": row.commune_name,
        "postal_code": row.postal_code, "department": row.department, "national": row.national,
        "phones": row.phones, "emails": row.emails, "websites": row.websites,
        "hours": row.hours, "hours_text": describe(ranges), "hours_comment": row.hours_comment,
        "open_now": opening.open,
        "opening_status": opening.text, "pivots": row.pivots, "pivot_labels": labels(row.pivots),
        "main_for": row.main_for, "url": row.url,
        "distance_rank": None if tier is None else int(tier),
        "distance_label": None if tier is None else TIER_LABELS[tier],
    }


def _params(criteria: Criteria, fetch: int) -> dict[str, Any]:
    commune = criteria.commune
    return {"pivots": list(criteria.pivots), "name": criteria.name, "tsq": prefix_query(criteria.name),
            "insee": commune.insee if commune else "", "department": commune.department if commune else "",
            "fetch": fetch, "pool": max(5 * fetch, POOL_MIN)}


async def _exact(session: AsyncSession, criteria: Criteria, params: dict[str, Any]) -> list[Any]:
    if criteria.unknown_commune or not (params["tsq"] or not criteria.name):
        return []  # an unknown commune: offering bodies from anywhere would mislead
    return list((await session.execute(text(_sql(criteria)), params)).all())


async def search_directory(session: AsyncSession, query: DirectoryQuery, now: datetime) -> dict[str, Any]:
    # One search is one backend's work: parallel workers (forked per query) cost more CPU than they save when
    # 130 advisers search at once (measured: docs/benchmarks.md section 6); this transaction only.
    await session.execute(text("SELECT set_config('max_parallel_workers_per_gather', '0', true)"))
    criteria = await understand(session, query)
    limit = max(1, min(query.limit, MAX_LIMIT))
    fetch = max(limit * 5, 100) if query.open_now else limit
    params = _params(criteria, fetch)
    rows = await _exact(session, criteria, params)
    if criteria.name and not rows and not criteria.unknown_commune and (corrected := correct(query.q)) != fold(query.q):
        # A misspelt type word (« gendarmrie »): searched as that type, rather than as a name by trigrams over
        # thousands of names (170 ms for that one).
        retyped = await understand(session, replace(query, q=corrected))
        if retyped.pivots != criteria.pivots:
            retyped_params = _params(retyped, fetch)
            found = await _exact(session, retyped, retyped_params)
            if found:
                criteria, params, rows = retyped, retyped_params, found
    if criteria.name and not rows and not criteria.unknown_commune:
        # A stricter similarity than pg_trgm's 0.3: the index itself then drops names that only share a common
        # word with the query (« commune », « mairie »), instead of rechecking every one of them.
        await session.execute(text("SELECT set_config('pg_trgm.similarity_threshold', '0.45', true)"))
        rows = list((await session.execute(text(_sql(criteria, fuzzy=True)), params)).all())
    commune = criteria.commune
    results = [hit(row, now, Tier(row.tier) if commune else None) for row in rows]
    if query.open_now:
        results = [r for r in results if r["open_now"]]
    return {
        "commune": None if commune is None else {"insee": commune.insee, "name": commune.name,
                                                 "postal_codes": list(commune.postal_codes),
                                                 "department": commune.department},
        "type": labels(criteria.pivots),
        "name": criteria.name,
        "message": "Commune inconnue de l'annuaire : vérifiez le nom, le code postal ou le code INSEE."
                   if criteria.unknown_commune else None,
        "results": results[:limit],
    }
