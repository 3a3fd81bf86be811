"""The wrap-up record (`call_wrapups`, one row per call and adviser; docs/desk.md "Wrap-up record").

The reason may be chosen during the call (the row exists with `done_at` NULL: the level-2 desk shows the level-1
reason that way); the wrap-up is saved once the adviser is done (saving again updates it); the manager stamps
`call_ended_at` when the call ends for the adviser, and `expired` when its deadline passed with nothing saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.after_call_models import SurveyResponse
from allo.db.desk_models import CallWrapup, WrapupOutcome
from allo.db.knowledge_models import DirBody
from allo.db.models import Queue
from allo.desk.reasons import theme_title, wrapup_reason_label

REASON_KINDS = ("theme", "list")


class WrapupInvalid(ValueError):
    """Refused input, with the French sentence the adviser reads."""


@dataclass(frozen=True, slots=True)
class WrapupIn:
    reason_kind: str
    reason_code: str
    outcome: WrapupOutcome
    sector: str | None = None
    body_id: str | None = None


async def reason_label(session: AsyncSession, kind: str, code: str) -> str:
    """The label of a reason: a theme of the knowledge tree, or an enabled wrap-up reason of the list."""
    if kind == "theme":
        title = await theme_title(session, code)
        if title is None:
            raise WrapupInvalid(f"« {code} » n'est pas un thème de la base de connaissances.")
        return title
    if kind == "list":
        label = await wrapup_reason_label(session, code)
        if label is None:
            raise WrapupInvalid(f"« {code} » n'est pas un motif de fin d'appel proposé.")
        return label
    raise WrapupInvalid("Le type de motif doit être « theme » ou « list ».")


async def check_outcome(session: AsyncSession, wrapup: WrapupIn, sectors: set[str]) -> None:
    if wrapup.outcome is WrapupOutcome.TRANSFERRED and wrapup.sector not in sectors:
        raise WrapupInvalid("Un appel transféré doit indiquer un secteur connu : " + ", ".join(sorted(sectors)) + ".")
    if wrapup.outcome is WrapupOutcome.ORIENTED:
        found = wrapup.body_id and await session.scalar(select(DirBody.id).where(DirBody.id == wrapup.body_id))
        if not found:
            raise WrapupInvalid("Un appel orienté doit indiquer un organisme de l'annuaire (body_id) qui existe.")


def _upsert(values: dict[str, Any], columns: tuple[str, ...]) -> Any:
    stmt = insert(CallWrapup).values(values)
    return stmt.on_conflict_do_update(constraint="uq_call_wrapups_call_agent",
                                      set_={name: stmt.excluded[name] for name in columns})


async def choose_reason(engine: AsyncEngine, call_id: str, agent: str, kind: str, code: str) -> str:
    """The reason chosen during the call (the wrap-up stays to be done); its label."""
    async with AsyncSession(engine) as session:
        label = await reason_label(session, kind, code)
        await session.execute(_upsert({"call_id": call_id, "agent": agent, "reason_kind": kind,
                                       "reason_code": code, "reason_label": label},
                                      ("reason_kind", "reason_code", "reason_label")))
        await session.commit()
    return label


async def save_wrapup(engine: AsyncEngine, call_id: str, agent: str, wrapup: WrapupIn, *, sectors: set[str],
                      now: datetime | None = None) -> dict[str, Any]:
    """Validate and save the wrap-up (again: updated); a wrap-up saved after its deadline is no longer expired."""
    async with AsyncSession(engine) as session:
        label = await reason_label(session, wrapup.reason_kind, wrapup.reason_code)
        await check_outcome(session, wrapup, sectors)
        done_at = now or datetime.now(UTC)
        values: dict[str, Any] = {
            "reason_kind": wrapup.reason_kind, "reason_code": wrapup.reason_code, "reason_label": label,
            "outcome": wrapup.outcome.value, "done_at": done_at, "expired": False,
            "sector": wrapup.sector if wrapup.outcome is WrapupOutcome.TRANSFERRED else None,
            "body_id": wrapup.body_id if wrapup.outcome is WrapupOutcome.ORIENTED else None}
        await session.execute(_upsert({"call_id": call_id, "agent": agent, **values}, tuple(values)))
        # The survey may have come first (the caller answers while the adviser wraps up): its reason is this one.
        await session.execute(update(SurveyResponse).where(SurveyResponse.call_id == call_id,
                                                           SurveyResponse.agent == agent)
                              .values(reason=wrapup.reason_code[:40]))
        await session.commit()
    return {"call_id": call_id, "agent": agent, **values, "done_at": done_at.isoformat()}


async def call_ended(engine: AsyncEngine, call_id: str, agent: str, queue: str, at: datetime) -> bool:
    """Stamp the end of the call for the adviser (the row is made if no reason was chosen yet); True when the
    wrap-up was already saved during the call (then there is nothing to wait for)."""
    level = select(Queue.level).where(Queue.name == queue).scalar_subquery()
    async with engine.begin() as conn:
        await conn.execute(_upsert({"call_id": call_id, "agent": agent, "queue": queue, "level": level,
                                    "call_ended_at": at}, ("queue", "level", "call_ended_at")))
        done = await conn.scalar(select(CallWrapup.done_at).where(CallWrapup.call_id == call_id,
                                                                  CallWrapup.agent == agent))
    return done is not None


async def expire(engine: AsyncEngine, call_id: str, agent: str) -> bool:
    """The deadline passed: a wrap-up not saved is kept as expired (« sans motif » in reports); True if so."""
    async with engine.begin() as conn:
        result = await conn.execute(update(CallWrapup).where(
            CallWrapup.call_id == call_id, CallWrapup.agent == agent, CallWrapup.done_at.is_(None))
            .values(expired=True))
    return bool(result.rowcount)
