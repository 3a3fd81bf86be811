"""The survey's answers in `survey_responses` (docs/after-call.md): one row per surveyed call, written as it goes.

The row is created as `no_answer` before the first question, each answer is stored at once; the adviser and queue
come from the dialplan or, failing that, from the call's last answered queue leg; the reason from the adviser's
wrap-up when it was already saved (the wrap-up fills it otherwise: allo/desk/wrapup_store.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.after_call_models import SurveyResponse, SurveyStatus
from allo.db.desk_models import CallWrapup
from allo.db.models import QueueLeg


@dataclass(frozen=True)
class SurveyCall:
    call_id: str
    queue: str | None
    agent: str | None
    origin: str
    rules_version: int | None


class SurveyAnswersStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def start(self, call_id: str, queue: str | None, agent: str | None, origin: str,
                    rules_version: int | None) -> SurveyCall | None:
        """Create the call's row (`no_answer`); None when the call already has one (never surveyed twice)."""
        async with self._engine.begin() as conn:
            if not agent or not queue:
                leg = (await conn.execute(
                    select(QueueLeg.queue, QueueLeg.agent).where(QueueLeg.call_id == call_id,
                                                                 QueueLeg.agent.is_not(None))
                    .order_by(QueueLeg.joined_at.desc()).limit(1))).first()
                if leg is not None:
                    agent, queue = agent or leg.agent, queue or leg.queue
            reason = None
            if agent:
                reason = await conn.scalar(select(CallWrapup.reason_code).where(
                    CallWrapup.call_id == call_id, CallWrapup.agent == agent, CallWrapup.done_at.is_not(None)))
            created = await conn.scalar(insert(SurveyResponse).values(
                call_id=call_id, queue=queue or None, agent=agent or None, reason=reason, origin=origin,
                rules_version=rules_version, status=SurveyStatus.NO_ANSWER.value)
                .on_conflict_do_nothing(index_elements=["call_id"]).returning(SurveyResponse.id))
        return SurveyCall(call_id, queue, agent, origin, rules_version) if created is not None else None

    async def answer(self, call_id: str, satisfaction: int | None, answered: bool | None, status: str) -> None:
        values: dict[str, object] = {"satisfaction": satisfaction, "answered": answered, "status": status}
        if status == SurveyStatus.COMPLETE:
            values["finished_at"] = datetime.now(UTC)
        async with self._engine.begin() as conn:
            await conn.execute(update(SurveyResponse).where(SurveyResponse.call_id == call_id).values(values))

    async def finished(self, call_id: str) -> None:
        """The dialogue ended (thanks said, or the caller hung up): when, unless already stamped."""
        async with self._engine.begin() as conn:
            await conn.execute(update(SurveyResponse).where(SurveyResponse.call_id == call_id,
                                                            SurveyResponse.finished_at.is_(None))
                               .values(finished_at=datetime.now(UTC)))
