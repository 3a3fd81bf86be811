"""The pause and wrap-up reasons ops maintain (`desk_reasons`, docs/desk.md "Reasons ops maintain").

Codes are stable (kept in the state history and the wrap-ups); labels are what people read. A reason is disabled,
never deleted; `telephone` (the pause of `*13` on the phone) cannot be disabled. Every change is audited
(`desk.reason.add`, `desk.reason.change`) in the transaction that makes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.audit.record import Actor, audit
from allo.db.desk_models import DeskReason, ReasonKind
from allo.db.knowledge_models import KbSheet
from allo.knowledge.sheet import SheetKind

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
LABEL_MAX = 80
PHONE_PAUSE = "telephone"  # the reason `*13` on the phone uses (allo/fastagi/agent.py)


class ReasonInvalid(ValueError):
    """A change refused, with the French sentence shown to ops."""


@dataclass(frozen=True, slots=True)
class Reason:
    id: int
    kind: ReasonKind
    code: str
    label: str
    position: int
    enabled: bool

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind.value, "code": self.code, "label": self.label,
                "position": self.position, "enabled": self.enabled}


def _reason(row: DeskReason) -> Reason:
    return Reason(row.id, ReasonKind(row.kind), row.code, row.label, row.position, row.enabled)


def clean_label(label: str) -> str:
    text = " ".join(label.split())
    if not 1 <= len(text) <= LABEL_MAX:
        raise ReasonInvalid(f"Le libellé doit faire de 1 à {LABEL_MAX} caractères.")
    return text


def check_code(code: str) -> str:
    if not CODE.fullmatch(code):
        raise ReasonInvalid("Le code doit faire de 1 à 40 caractères : minuscules, chiffres et tirets, "
                            "sans tiret au début.")
    return code


async def list_reasons(session: AsyncSession, *, enabled_only: bool = False) -> list[Reason]:
    query = select(DeskReason).order_by(DeskReason.kind, DeskReason.position, DeskReason.id)
    if enabled_only:
        query = query.where(DeskReason.enabled)
    return [_reason(row) for row in (await session.scalars(query)).all()]


async def desk_lists(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """What the desk offers: enabled reasons of each kind in order, and the knowledge tree's themes."""
    reasons = await list_reasons(session, enabled_only=True)
    themes = (await session.execute(select(KbSheet.id, KbSheet.title).where(
        KbSheet.kind == SheetKind.THEME.value, KbSheet.retired_at.is_(None)).order_by(KbSheet.title))).all()
    return {kind.value: [{"code": r.code, "label": r.label} for r in reasons if r.kind is kind]
            for kind in ReasonKind} | {"themes": [{"id": row.id, "title": row.title} for row in themes]}


async def add_reason(session: AsyncSession, who: Actor, kind: ReasonKind, code: str, label: str) -> Reason:
    check_code(code)
    text = clean_label(label)
    taken = await session.scalar(select(DeskReason.id).where(DeskReason.kind == kind.value, DeskReason.code == code))
    if taken is not None:
        raise ReasonInvalid(f"Le code « {code} » existe déjà pour ce type de motif.")
    last = await session.scalar(select(func.max(DeskReason.position)).where(DeskReason.kind == kind.value))
    row = DeskReason(kind=kind.value, code=code, label=text, position=(last or 0) + 1, enabled=True)
    session.add(row)
    await session.flush()
    audit(session, who, "desk.reason.add", f"{kind.value}/{code}", label=text)
    added = _reason(row)
    await session.commit()
    return added


async def change_reason(session: AsyncSession, who: Actor, reason_id: int, *, label: str | None = None,
                        position: int | None = None, enabled: bool | None = None) -> Reason:
    """Relabel, move (1 = first; the others of its kind move to make room) or enable/disable one reason."""
    row = await session.get(DeskReason, reason_id, with_for_update=True)
    if row is None:
        raise LookupError(reason_id)
    detail: dict[str, Any] = {}
    if label is not None and clean_label(label) != row.label:
        detail["label"] = [row.label, clean_label(label)]
        row.label = clean_label(label)
    if enabled is not None and enabled != row.enabled:
        if not enabled and row.kind == ReasonKind.PAUSE.value and row.code == PHONE_PAUSE:
            raise ReasonInvalid("Le motif « telephone » est celui de la pause depuis le téléphone (*13) : "
                                "il ne peut pas être désactivé.")
        detail["enabled"] = enabled
        row.enabled = enabled
    if position is not None:
        siblings = list((await session.scalars(select(DeskReason).where(DeskReason.kind == row.kind).order_by(
            DeskReason.position, DeskReason.id))).all())
        ordered = [other for other in siblings if other.id != row.id]
        ordered.insert(max(0, min(position - 1, len(ordered))), row)
        if [other.id for other in ordered] != [other.id for other in siblings]:
            detail["position"] = [siblings.index(row) + 1, ordered.index(row) + 1]
        for index, other in enumerate(ordered, start=1):
            other.position = index
    if detail:
        audit(session, who, "desk.reason.change", f"{row.kind}/{row.code}", **detail)
    changed = _reason(row)
    await session.commit()
    return changed


async def wrapup_reason_label(session: AsyncSession, code: str) -> str | None:
    """The label of an enabled wrap-up reason of the list, None when there is none."""
    return await session.scalar(select(DeskReason.label).where(
        DeskReason.kind == ReasonKind.WRAPUP.value, DeskReason.code == code, DeskReason.enabled))


async def theme_title(session: AsyncSession, theme_id: str) -> str | None:
    """The title of a theme of the knowledge tree, None when it is not one."""
    return await session.scalar(select(KbSheet.title).where(
        KbSheet.id == theme_id, KbSheet.kind == SheetKind.THEME.value, KbSheet.retired_at.is_(None)))
