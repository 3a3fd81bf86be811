"""Read what the per-adviser report needs from PostgreSQL (the computation is `advisers.build`, pure): the answered
queue legs and callback attempts, the ends of those calls, the state history of the range with the last event of
each kind before it (the state the range starts in), the survey answers, the advisers' names and pause labels."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.after_call_models import SurveyResponse
from allo.db.callback_models import AttemptOutcome, CallbackAttempt
from allo.db.chunks import fetch_in_chunks
from allo.db.desk_models import AgentStateEvent, CallWrapup, DeskReason, ReasonKind
from allo.db.models import Agent, Call, LegOutcome, QueueLeg
from allo.reports.adviser_params import AdviserParams, adviser_buckets, parse
from allo.reports.adviser_rows import (
    AdviserRows,
    AnsweredLeg,
    CallbackTalk,
    CallEnd,
    StateRow,
    SurveyRow,
    WrapupRecord,
    taken_calls,
)
from allo.reports.advisers import AdviserReport, build
from allo.reports.buckets import local_midnight

# A call answered this long before the range can still be going at its start (its talk time is cut to the range).
LOOKBACK = timedelta(hours=12)


async def load_names(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        return {row.username: row.display_name for row in await conn.execute(
            select(Agent.username, Agent.display_name))}


async def load_rows(engine: AsyncEngine, params: AdviserParams, names: dict[str, str]) -> AdviserRows:
    start, end = local_midnight(params.first), local_midnight(params.last + timedelta(days=1))
    legs = select(QueueLeg.id, QueueLeg.call_id, QueueLeg.agent, QueueLeg.left_at, QueueLeg.end_reason).where(
        QueueLeg.outcome == LegOutcome.ANSWERED, QueueLeg.agent.is_not(None), QueueLeg.left_at.is_not(None),
        QueueLeg.left_at >= start - LOOKBACK, QueueLeg.left_at < end)
    attempts = select(CallbackAttempt.agent, CallbackAttempt.reached_at, CallbackAttempt.ended_at).where(
        CallbackAttempt.outcome == AttemptOutcome.ANSWERED, CallbackAttempt.agent.is_not(None),
        CallbackAttempt.reached_at >= start - LOOKBACK, CallbackAttempt.reached_at < end)
    states = select(AgentStateEvent.agent, AgentStateEvent.state, AgentStateEvent.at, AgentStateEvent.reason,
                    AgentStateEvent.id).where(AgentStateEvent.at >= start, AgentStateEvent.at < end)
    # The last event of each kind before the range says whether it starts logged in, paused, in wrap-up.
    rank = func.row_number().over(partition_by=(AgentStateEvent.agent, AgentStateEvent.state),
                                  order_by=(AgentStateEvent.at.desc(), AgentStateEvent.id.desc()))
    ranked = select(AgentStateEvent.agent, AgentStateEvent.state, AgentStateEvent.at, AgentStateEvent.reason,
                    AgentStateEvent.id, rank.label("rank")).where(AgentStateEvent.at < start)
    surveys = select(SurveyResponse.agent, SurveyResponse.started_at, SurveyResponse.satisfaction,
                     SurveyResponse.answered).where(SurveyResponse.agent.is_not(None),
                                                    SurveyResponse.started_at >= start, SurveyResponse.started_at < end)
    # Wrap-up forms over (saved or expired), on the day the call ended, as in the wrap-ups report.
    ended = func.coalesce(CallWrapup.call_ended_at, CallWrapup.created_at)
    forms = select(CallWrapup.agent, ended.label("ended_at"), CallWrapup.expired).where(
        ended >= start, ended < end, or_(CallWrapup.done_at.is_not(None), CallWrapup.expired))
    if params.agent:
        forms = forms.where(CallWrapup.agent == params.agent)
        legs = legs.where(QueueLeg.agent == params.agent)
        attempts = attempts.where(CallbackAttempt.agent == params.agent)
        states = states.where(AgentStateEvent.agent == params.agent)
        ranked = ranked.where(AgentStateEvent.agent == params.agent)
        surveys = surveys.where(SurveyResponse.agent == params.agent)
    last = ranked.subquery()
    before = select(last.c.agent, last.c.state, last.c.at, last.c.reason, last.c.id).where(last.c.rank == 1)
    call_ids = legs.with_only_columns(QueueLeg.call_id).scalar_subquery()
    calls = select(Call.call_id, Call.ended_at, Call.transferred_at, Call.transferred_to, Call.level1_agent).where(
        Call.call_id.in_(call_ids))
    joins = select(QueueLeg.call_id, QueueLeg.joined_at).where(QueueLeg.call_id.in_(call_ids))
    async with engine.connect() as conn:
        answered = await fetch_in_chunks(conn, legs, lambda r: AnsweredLeg(r.id, r.call_id, r.agent, r.left_at,
                                                                             r.end_reason))
        joined: dict[str, list[datetime]] = defaultdict(list)
        for row in await fetch_in_chunks(conn, joins, lambda r: r):
            joined[row.call_id].append(row.joined_at)
        ends = {c.call_id: c for c in await fetch_in_chunks(conn, calls, lambda r: CallEnd(
            r.call_id, r.ended_at, r.transferred_at, r.transferred_to, r.level1_agent, tuple(joined[r.call_id])))}
        talks = await fetch_in_chunks(conn, attempts, lambda r: CallbackTalk(r.agent, r.reached_at, r.ended_at))
        history = [StateRow(r.agent, r.state, r.at, r.reason, r.id)
                   for query in (before, states) for r in await fetch_in_chunks(conn, query, lambda r: r)]
        answers = await fetch_in_chunks(conn, surveys, lambda r: SurveyRow(r.agent, r.started_at, r.satisfaction,
                                                                            r.answered))
        records = await fetch_in_chunks(conn, forms, lambda r: WrapupRecord(r.agent, r.ended_at, r.expired))
        labels = {r.code: r.label for r in await conn.execute(
            select(DeskReason.code, DeskReason.label).where(DeskReason.kind == ReasonKind.PAUSE.value))}
    return AdviserRows(taken_calls(answered, ends, talks), history, answers, names, labels, records)


@dataclass(frozen=True)
class AdvisersReport:
    params: AdviserParams
    agents: list[tuple[str, str]]  # every known adviser (username, name), for the form
    reports: list[AdviserReport]
    pause_labels: dict[str, str]


async def make_advisers_report(engine: AsyncEngine, first: str | None, last: str | None, by: str | None,
                               agent: str | None, *, now: datetime | None = None) -> AdvisersReport:
    """Raises BadReportParams with a message for the user."""
    names = await load_names(engine)
    params = parse(first, last, by, agent, names)
    rows = await load_rows(engine, params, names)
    buckets = adviser_buckets(params.first, params.last, params.by)
    # Pure Python over a range of rows: off the event loop, like the queue reports.
    reports = await asyncio.to_thread(partial(build, agent=params.agent), buckets, rows, now or datetime.now(UTC))
    agents = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
    return AdvisersReport(params, agents, reports, rows.pause_labels)
