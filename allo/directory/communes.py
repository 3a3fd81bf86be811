"""A commune typed by an adviser → the commune allo knows (from the directory's own addresses and the communes
its bodies serve): an INSEE code, a postal code, "Paris 15e", or a name, exact then the closest (trigram)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from allo.directory.records import department_of
from allo.directory.types import expand, fold

_CODE = re.compile(r"^(\d{5}|2[ab]\d{3})$", re.IGNORECASE)
_ARRONDISSEMENT = re.compile(r"^(paris|lyon|marseille) (\d{1,2}) ?(e|er|eme|ieme)?( arrondissement)?$")
_CITIES = {"paris": ("751", 20), "lyon": ("6938", 9), "marseille": ("132", 16)}
# Paris, Lyon and Marseille's arrondissements have INSEE codes of their own: the name alone means the city.
_IS_ARRONDISSEMENT = r"^(751(0[1-9]|1[0-9]|20)|6938[1-9]|132(0[1-9]|1[0-6]))$"


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    postal_codes: tuple[str, ...]
    department: str


def arrondissement_code(folded: str) -> str | None:
    """"paris 15e" → 75115, "lyon 3" → 69383, "marseille 1er arrondissement" → 13201 (pure)."""
    match = _ARRONDISSEMENT.match(folded)
    if not match:
        return None
    prefix, count = _CITIES[match[1]]
    number = int(match[2])
    if not 1 <= number <= count:
        return None
    return f"{prefix}{number:0{5 - len(prefix)}d}"


_SELECT = "SELECT insee, name, postal_codes, department FROM dir_communes "


def _commune(row: Any) -> Commune:
    return Commune(str(row[0]), str(row[1]), tuple(row[2]), str(row[3]))


async def _by_code(session: AsyncSession, code: str) -> Commune | None:
    row = (await session.execute(text(_SELECT + "WHERE insee = :code"), {"code": code})).first()
    if row is not None:
        return _commune(row)
    served = (await session.execute(text("SELECT 1 FROM dir_served WHERE insee = :code LIMIT 1"),
                                    {"code": code})).first()
    if served is not None:  # served by a body but without one of its own: known by its code only
        return Commune(code, "", (), department_of(code))
    return None


async def resolve_commune(session: AsyncSession, typed: str, *, fuzzy: bool = True) -> Commune | None:
    """5 characters → INSEE code if known, else postal code (an arrondissement's before its city's: more
    precise); otherwise the folded name, exact (the city before
    its arrondissements), then, if `fuzzy`, the closest name by trigram similarity (which sets
    pg_trgm.similarity_threshold to 0.5 for the rest of the session's transaction)."""
    folded = expand(fold(typed))
    if not folded:
        return None
    if _CODE.match(folded.replace(" ", "")):
        code = folded.replace(" ", "").upper()
        found = await _by_code(session, code)
        if found is not None:
            return found
        row = (await session.execute(text(_SELECT + "WHERE postal_codes @> ARRAY[CAST(:code AS text)] "
                                          f"ORDER BY insee !~ '{_IS_ARRONDISSEMENT}', insee LIMIT 1"),
                                     {"code": code})).first()
        return _commune(row) if row is not None else None
    arrondissement = arrondissement_code(folded)
    if arrondissement is not None:
        return await _by_code(session, arrondissement)
    # Exact first: equality on allo_fold(name) is answered by the trigram index (PostgreSQL 14+), spaces typed for
    # the hyphens of most commune names too.
    row = (await session.execute(text(_SELECT + "WHERE allo_fold(name) IN (:q, :dashed) "
                                      f"ORDER BY insee ~ '{_IS_ARRONDISSEMENT}', insee LIMIT 1"),
                                 {"q": folded, "dashed": folded.replace(" ", "-")})).first()
    if row is not None:
        return _commune(row)
    # 0.5 rather than pg_trgm's 0.3: names sharing only « saint » or « sur » with the query are dropped by the
    # index itself instead of being rechecked and sorted (a misspelt « Montpelier » is well above it).
    await session.execute(text("SELECT set_config('pg_trgm.similarity_threshold', '0.5', true)"))
    rows = (await session.execute(text(
        "SELECT insee, name, postal_codes, department, similarity(allo_fold(name), :q) AS sim FROM dir_communes "
        "WHERE allo_fold(name) % :q ORDER BY sim DESC, insee LIMIT 20"), {"q": folded})).all()
    exact = [r for r in rows if fold(r[1]) == folded]
    if exact:
        exact.sort(key=lambda r: (re.match(_IS_ARRONDISSEMENT, r[0]) is not None, r[0]))
        return _commune(exact[0][:4])
    if fuzzy and rows:
        return _commune(rows[0][:4])
    return None
