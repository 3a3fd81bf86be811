"""The survey's rows against the real PostgreSQL: the adviser from the call's last answered leg when the dialplan
did not know it, the reason from a wrap-up saved before, or filled by the wrap-up saved after; one row per call."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.after_call_models import SurveyResponse
from allo.db.desk_models import CallWrapup, WrapupOutcome
from allo.db.engine import make_engine
from allo.db.models import LegOutcome, QueueLeg
from allo.desk.wrapup_store import WrapupIn, save_wrapup
from allo.records.survey_answers import SurveyAnswersStore

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(test_settings, seeded) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(test_settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def call_id(engine) -> AsyncIterator[str]:
    call = f"survey-{uuid.uuid4().hex[:12]}"
    yield call
    async with engine.begin() as conn:
        for table in (SurveyResponse, CallWrapup, QueueLeg):
            await conn.execute(delete(table).where(table.call_id == call))


async def _row(engine: AsyncEngine, call_id: str) -> SurveyResponse:
    async with engine.connect() as conn:
        return (await conn.execute(select(SurveyResponse).where(SurveyResponse.call_id == call_id))).one()  # type: ignore[return-value]


async def test_adviser_from_the_last_answered_leg_and_the_reason_filled_by_the_wrapup_after(engine, call_id):
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(QueueLeg.__table__.insert(), [
            {"call_id": call_id, "queue": "l1", "joined_at": now - timedelta(minutes=3), "agent": "agent1001",
             "outcome": LegOutcome.ANSWERED},
            {"call_id": call_id, "queue": "l2-travail", "joined_at": now - timedelta(minutes=1), "agent": "agent2001",
             "outcome": LegOutcome.ANSWERED}])
    store = SurveyAnswersStore(engine)
    started = await store.start(call_id, None, None, "transfer", 12)
    assert started is not None and (started.queue, started.agent) == ("l2-travail", "agent2001")
    assert await store.start(call_id, None, None, "transfer", 12) is None  # never surveyed twice
    await store.answer(call_id, 4, None, "partial")
    row = await _row(engine, call_id)
    assert (row.status, row.satisfaction, row.reason, row.rules_version, row.finished_at) == \
        ("partial", 4, None, 12, None)
    # The level-1 adviser's wrap-up is not this survey's; the level-2 adviser's is.
    await save_wrapup(engine, call_id, "agent1001", WrapupIn("list", "autre", WrapupOutcome.TRANSFERRED, "travail"),
                      sectors={"travail"})
    assert (await _row(engine, call_id)).reason is None
    await save_wrapup(engine, call_id, "agent2001", WrapupIn("list", "orientation", WrapupOutcome.ANSWERED),
                      sectors={"travail"})
    await store.answer(call_id, 4, True, "complete")
    await store.finished(call_id)
    row = await _row(engine, call_id)
    assert (row.reason, row.status, row.answered) == ("orientation", "complete", True) and row.finished_at


async def test_the_reason_of_a_wrapup_saved_before_the_survey(engine, call_id):
    await save_wrapup(engine, call_id, "agent1001", WrapupIn("list", "autre", WrapupOutcome.ANSWERED), sectors=set())
    store = SurveyAnswersStore(engine)
    assert await store.start(call_id, "l1", "agent1001", "queue", None) is not None
    await store.finished(call_id)
    row = await _row(engine, call_id)
    assert (row.reason, row.status, row.agent, row.queue, row.origin) == ("autre", "no_answer", "agent1001", "l1",
                                                                          "queue")
