"""The call lookup: "why did this call go there?" — calls read back from `calls` and `queue_legs`, with the
published rules version each was routed on. Never the caller's pseudonym: the page needs none."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.admin_models import RulesVersion
from allo.db.models import Call, QueueLeg
from allo.records.journey_view import (
    LEG_OUTCOMES,
    OUTCOMES,
    CallView,
    Leg,
    RulesVersionRef,
    journey_steps,
    shown_keys,
    split_menu_trace,
    trace_lines,
)
from allo.records.lookup_params import LookupQuery
from allo.records.trace_labels import end_label


@dataclass(frozen=True)
class LookupPage:
    calls: list[CallView]
    next_offset: int | None  # the offset of the next page, when there is one


async def _editor_version(session: AsyncSession, meta_version: int | None,
                          cache: dict[int, RulesVersionRef | None]) -> RulesVersionRef | None:
    """The editor's version in force when the tables were at `meta_version` (the last one published at or
    before it): a change made outside the editor is recorded later, so none may match exactly."""
    if meta_version is None:
        return None
    if meta_version not in cache:
        row = await session.scalar(select(RulesVersion).where(RulesVersion.rules_version <= meta_version)
                                   .order_by(RulesVersion.rules_version.desc(), RulesVersion.id.desc()).limit(1))
        cache[meta_version] = None if row is None else RulesVersionRef(
            id=row.id, published_at=row.published_at, published_by=row.published_by, comment=row.comment)
    return cache[meta_version]


def call_view(call: Call, legs: list[QueueLeg], version: RulesVersionRef | None) -> CallView:
    """One call as the lookup (and the desk's screen-pop) shows it."""
    trace = list(call.trace or [])
    prompts, notes = split_menu_trace(call.menu_trace, trace)
    outcome = call.outcome.value
    view = CallView(
        call_id=call.call_id, dialled=call.dialled, started_at=call.started_at, ended_at=call.ended_at,
        outcome=outcome, outcome_label=OUTCOMES.get(outcome, outcome), route_queue=call.route_queue,
        sector=call.transferred_to or call.sector, agent=call.agent, level1_agent=call.level1_agent,
        transferred_to=call.transferred_to, keys=shown_keys(call.keys), prompts=prompts, trace=trace_lines(trace),
        queue_notes=trace_lines(notes), rules_version=call.rules_version, rules_editor_version=version,
        legs=[Leg(queue=leg.queue, joined_at=leg.joined_at, position=leg.position, priority=leg.priority,
                  left_at=leg.left_at, outcome=leg.outcome.value,
                  outcome_label=LEG_OUTCOMES.get(leg.outcome.value, leg.outcome.value),
                  wait_seconds=leg.wait_seconds, agent=leg.agent, end_reason=leg.end_reason) for leg in legs],
        journey=[], node=call.node, end_reason=call.end_reason, end_label=end_label(call.end_reason, call.node))
    return view.model_copy(update={"journey": journey_steps(view)})


async def lookup_calls(engine: AsyncEngine, query: LookupQuery) -> LookupPage:
    """One call by id (a page of 0 or 1), or the calls started in the period, newest first."""
    stmt = select(Call)
    if query.call_id is not None:
        stmt = stmt.where(Call.call_id == query.call_id)
    else:
        stmt = stmt.where(Call.started_at >= query.start, Call.started_at < query.end)
    stmt = stmt.order_by(Call.started_at.desc(), Call.call_id).offset(query.offset).limit(query.limit + 1)
    async with AsyncSession(engine) as session:
        calls = list(await session.scalars(stmt))
        more = len(calls) > query.limit
        calls = calls[:query.limit]
        legs: dict[str, list[QueueLeg]] = {call.call_id: [] for call in calls}
        if calls:
            rows = await session.scalars(select(QueueLeg).where(QueueLeg.call_id.in_(legs))
                                         .order_by(QueueLeg.joined_at, QueueLeg.id))
            for leg in rows:
                legs[leg.call_id].append(leg)
        versions: dict[int, RulesVersionRef | None] = {}
        views = [call_view(call, legs[call.call_id], await _editor_version(session, call.rules_version, versions))
                 for call in calls]
    return LookupPage(views, query.offset + query.limit if more else None)
