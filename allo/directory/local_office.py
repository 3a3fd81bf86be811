"""The caller's local office for a pivot code: the body serving their commune, else one in their department,
else a national one (issue 17 part 4).

`choose` is pure (candidate rows in, a LocalOffice or a French reason out, unit-tested); `local_office` reads
the candidates in one query. A retired body is never chosen. Within a tier the commune's main office wins
(`main_for`, from `ancien_code_pivot` ending in -01), then a body whose name is not a « mairie déléguée » or an
« annexe », then the name (a stable order).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import DirBody, DirServed
from allo.directory import pivots
from allo.directory.search import hit

DIRECTORY_SITE = "lannuaire.service-public.fr"
SECONDARY = ("deleguee", "annexe")


class ResolvedBy(enum.StrEnum):
    COMMUNE = "commune"
    DEPARTMENT = "department"
    NATIONAL = "national"


class Place(Protocol):
    """What the choice needs of a commune (allo.directory.communes.Commune has it)."""

    @property
    def insee(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def department(self) -> str: ...


@dataclass(frozen=True)
class Candidate:
    """A body that may answer: `serves` when dir_served has (pivot, the caller's INSEE) for it."""

    id: str
    name: str
    pivots: tuple[str, ...]
    main_for: tuple[str, ...]
    department: str
    national: bool
    org_type: str
    serves: bool
    retired: bool
    summary: dict[str, Any]


@dataclass(frozen=True)
class LocalOffice:
    pivot: str
    body: dict[str, Any] | None  # the body as the directory's search shows it, None when none was found
    resolved_by: ResolvedBy | None
    reason: str | None  # French, for the adviser: why this body, or why none

    def to_json(self) -> dict[str, Any]:
        return {"pivot": self.pivot, "pivot_label": pivots.label(self.pivot), "office": self.body,
                "resolved_by": self.resolved_by.value if self.resolved_by else None, "reason": self.reason}


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _rank(pivot: str, c: Candidate) -> tuple[bool, bool, str]:
    name = fold(c.name)
    return pivot not in c.main_for, any(word in name for word in SECONDARY), name


def kind_words(pivot: str) -> str:
    """The folded label without its article nor its parenthesis: "la Caf" → "caf", "l'Adil (…)" → "adil"."""
    words = fold(pivots.label(pivot)).split(" (")[0]
    for article in ("la ", "le ", "les ", "l'"):
        words = words.removeprefix(article)
    return words


def _national_match(pivot: str, c: Candidate) -> bool:
    """A national body with the pivot, or whose type of organisation names it (national bodies rarely have one)."""
    kind = fold(c.org_type)
    return pivot in c.pivots or (bool(kind) and (kind == pivot or (pivots.known(pivot) and kind_words(pivot) in kind)))


def _best(pivot: str, candidates: Iterable[Candidate]) -> Candidate | None:
    return min(candidates, key=lambda c: _rank(pivot, c), default=None)


def choose(pivot: str, commune: Place | None, candidates: Iterable[Candidate]) -> LocalOffice:
    live = [c for c in candidates if not c.retired]
    label = pivots.label(pivot)
    capital = label[:1].upper() + label[1:]
    where = "" if commune is None else f"{commune.name} ({commune.insee})" if commune.name else commune.insee
    if commune is not None:
        here = _best(pivot, (c for c in live if c.serves and pivot in c.pivots))
        if here is not None:
            return LocalOffice(pivot, here.summary, ResolvedBy.COMMUNE, None)
        near = _best(pivot, (c for c in live if not c.national and pivot in c.pivots
                             and c.department == commune.department))
        if near is not None:
            return LocalOffice(pivot, near.summary, ResolvedBy.DEPARTMENT,
                               f"{capital} : aucun organisme ne dessert {where} dans l'annuaire ; voici celui du "
                               f"département ({commune.department})")
    national = _best(pivot, (c for c in live if c.national and _national_match(pivot, c)))
    if national is not None:
        local = f"aucun organisme local connu pour {where}" if commune is not None else "sans la commune de l'appelant"
        return LocalOffice(pivot, national.summary, ResolvedBy.NATIONAL, f"{capital} : {local} ; voici le service "
                                                                         "national")
    if commune is None:
        return LocalOffice(pivot, None, None, f"{capital} : aucun service national connu : demander la commune de "
                                              f"l'appelant ou orienter vers le site {DIRECTORY_SITE}")
    return LocalOffice(pivot, None, None, f"{capital} : aucun organisme connu pour {where} ni dans son département : "
                                          f"orienter vers le site {DIRECTORY_SITE}")


async def local_office(session: AsyncSession, pivot: str, commune: Place | None,
                       now: datetime | None = None) -> LocalOffice:
    """`now` (the routing clock) says whether the body is open now; the body is shown as the directory's search
    shows it (allo.directory.search.hit)."""
    served = select(DirServed.body_id).where(DirServed.pivot == pivot,
                                             DirServed.insee == (commune.insee if commune else ""))
    folded_kind = func.allo_fold(DirBody.org_type)
    named = (folded_kind == pivot) | folded_kind.contains(kind_words(pivot), autoescape=True) \
        if pivots.known(pivot) else folded_kind == pivot  # an unknown code's "label" is the code: too short to search
    wanted = [DirBody.id.in_(served), DirBody.national.is_(True) & (DirBody.pivots.contains([pivot]) | named)]
    if commune is not None:
        wanted.append(DirBody.pivots.contains([pivot]) & (DirBody.department == commune.department))
    when = now or datetime.now(UTC)
    rows = list(await session.scalars(select(DirBody).where(DirBody.retired_at.is_(None), or_(*wanted))))
    here = set((await session.scalars(served)).all()) if commune is not None else set()
    return choose(pivot, commune, [
        Candidate(b.id, b.name, tuple(b.pivots), tuple(b.main_for), b.department, b.national, b.org_type,
                  b.id in here, b.retired_at is not None, hit(b, when, None)) for b in rows])
