"""Which escalation sheet applies to an answer sheet: the most specific one (issue 17 part 4).

The sheet's own escalation wins, then its dossier's or sub-dossier's, then its theme's. `escalation_for` is pure
(the rules document's escalations and the sheet's ancestry in, a typed Escalation out); `ancestry` reads the
ancestry from kb_sheets (parent_id, breadcrumb, theme_id).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import KbEscalation, KbSheet
from allo.db.models import Queue
from allo.directory import pivots
from allo.rules.document import EscalationDoc
from allo.rules.escalations import TARGET_ID

MAX_DEPTH = 12  # themes → sous-thèmes → dossiers → sous-dossiers → fiches is 5; a loop in bad data stops here
LEVEL_PREFIX = re.compile(r"^Niveau \d+\s*[-\u2013]\s*")


class Target(enum.StrEnum):
    SECTOR = "sector"  # transfer the call to a level-2 sector
    BODY = "body"  # send the caller to an outside body (a pivot code, resolved for their commune)


@dataclass(frozen=True)
class Escalation:
    target: Target
    sector: str | None
    sector_label: str | None  # "Droit du travail" (the banner says « À transférer : Droit du travail »)
    pivot: str | None
    pivot_label: str | None  # "la Caf" (« Orienter vers : la Caf »)
    instruction: str
    source_id: str  # the sheet, dossier or theme whose escalation sheet applies

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target.value, "sector": self.sector, "sector_label": self.sector_label,
                "pivot": self.pivot, "pivot_label": self.pivot_label, "instruction": self.instruction,
                "source_id": self.source_id}


def short_label(label: str) -> str:
    """A sector's label without its level: "Niveau 2 - Droit du travail" → "Droit du travail"."""
    return LEVEL_PREFIX.sub("", label).strip() or label


def escalation_for(escalations: Mapping[str, EscalationDoc], ancestry: Sequence[str],
                   sector_labels: Mapping[str, str] | None = None) -> Escalation | None:
    """`ancestry`: the sheet first, then its parents up to its theme; `sector_labels`: sector key → label."""
    labels = sector_labels or {}
    for node in ancestry:
        found = escalations.get(node)
        if found is None:
            continue
        if found.sector is not None:
            return Escalation(Target.SECTOR, found.sector, short_label(labels.get(found.sector, found.sector)), None,
                              None, found.instruction, node)
        if found.pivot is not None:
            return Escalation(Target.BODY, None, None, found.pivot, pivots.label(found.pivot), found.instruction,
                              node)
    return None


def _breadcrumb_ids(breadcrumb: list[Any]) -> list[str]:
    """The breadcrumb's sheet ids, nearest parent first (stored root first, as {"id", "title", "type"} items; its
    root is the audience's home page, e.g. "Particuliers", not a sheet)."""
    ids = [str(item.get("id")) for item in breadcrumb
           if isinstance(item, dict) and TARGET_ID.fullmatch(str(item.get("id") or ""))]
    return ids[::-1]


def chain_of(sheet_id: str, parents: Sequence[str], breadcrumb: list[Any], theme_id: str | None) -> list[str]:
    """The ancestry from what one kb_sheets row says (pure): itself, its parents, its breadcrumb, its theme."""
    chain: list[str] = []
    for node in (sheet_id, *parents, *_breadcrumb_ids(breadcrumb), theme_id):
        if node and node not in chain:
            chain.append(node)
    return chain


async def ancestry(session: AsyncSession, sheet_id: str) -> list[str]:
    """`sheet_id`, then its parents (parent_id chain, then the breadcrumb's) up to its theme. A sheet that is not
    imported (yet) has only itself: an escalation sheet written on its id still applies."""
    parents: list[str] = []
    first = row = await session.get(KbSheet, sheet_id)
    while row is not None and row.parent_id and row.parent_id not in (sheet_id, *parents) \
            and len(parents) < MAX_DEPTH:
        parents.append(row.parent_id)
        row = await session.get(KbSheet, row.parent_id)
    if first is None:
        return [sheet_id]
    return chain_of(sheet_id, parents, first.breadcrumb, first.theme_id)


async def _live(session: AsyncSession) -> tuple[dict[str, EscalationDoc], dict[str, str]]:
    """The published escalation sheets and the sectors' labels, from the live rules tables."""
    escalations = {e.target_id: EscalationDoc(sector=e.sector, pivot=e.pivot, instruction=e.instruction)
                   for e in await session.scalars(select(KbEscalation))}
    labels = {str(sector): label for sector, label in await session.execute(
        select(Queue.sector, Queue.label).where(Queue.sector.is_not(None)))}
    return escalations, labels


async def escalations_for(session: AsyncSession, sheet_ids: Sequence[str]) -> dict[str, Escalation | None]:
    """For a page of search results, in three queries: each sheet's ancestry from its own row (parent, breadcrumb,
    theme: the archive's breadcrumb names every level), not by walking up."""
    if not sheet_ids:
        return {}
    escalations, labels = await _live(session)
    rows = {r.id: r for r in await session.execute(
        select(KbSheet.id, KbSheet.parent_id, KbSheet.breadcrumb, KbSheet.theme_id)
        .where(KbSheet.id.in_(list(sheet_ids))))}
    found: dict[str, Escalation | None] = {}
    for sheet_id in sheet_ids:
        row = rows.get(sheet_id)
        chain = [sheet_id] if row is None else chain_of(sheet_id, [row.parent_id] if row.parent_id else [],
                                                        row.breadcrumb, row.theme_id)
        found[sheet_id] = escalation_for(escalations, chain, labels)
    return found


async def sheet_escalation(session: AsyncSession, sheet_id: str) -> Escalation | None:
    """The escalation sheet in force for `sheet_id`, read from the live rules tables (what is published)."""
    escalations, labels = await _live(session)
    return escalation_for(escalations, await ancestry(session, sheet_id), labels)
