"""The satisfaction survey's answers for ops and supervisors (docs/after-call.md, docs/reports.md "Survey answers").

One row per surveyed call that reached the survey, in the Europe/Paris days asked for (a day is local midnight to
local midnight, 23 or 25 hours at the clock changes: allo/reports/buckets.py), filtered by queue and adviser; paged
as JSON, whole as CSV with French headers. There is no caller number in `survey_responses`, so none here either.
Reading is one query; the rows and the CSV are made by pure functions, tested without a database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.db.after_call_models import SurveyOrigin, SurveyResponse, SurveyStatus
from allo.reports.buckets import local_midnight
from allo.reports.params import BadReportParams, ReportParams, parse
from routing.calendar_types import PARIS, PARIS_NAME

STATUS_LABELS = {SurveyStatus.NO_ANSWER.value: "sans réponse", SurveyStatus.PARTIAL.value: "partielle",
                 SurveyStatus.COMPLETE.value: "complète"}
ORIGIN_LABELS = {SurveyOrigin.QUEUE.value: "file d'attente", SurveyOrigin.REPEAT.value: "rappel direct du conseiller",
                 SurveyOrigin.CALLBACK.value: "rappel programmé", SurveyOrigin.TRANSFER.value: "après transfert"}
CSV_HEADER = ("Appel", "Date (Paris)", "Heure (Paris)", "File", "Conseiller", "Origine", "Motif", "Statut",
              "Satisfaction (1 à 5)", "Question résolue")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class SurveyFilter:
    params: ReportParams
    agent: str | None


def survey_filter(first: str | None, last: str | None, queue: str | None, agent: str | None) -> SurveyFilter:
    """The days (at most 366) and the optional queue and adviser; BadReportParams with the message otherwise."""
    params = parse(first, last, "day", None, ())
    for name, value in (("queue", queue), ("agent", agent)):
        if value is not None and len(value) > 63:
            raise BadReportParams(f"'{name}' is too long (63 characters at most)")
    return SurveyFilter(ReportParams(params.first, params.last, params.by, queue or None), agent or None)


def answered_label(answered: bool | None) -> str:
    return "" if answered is None else ("oui" if answered else "non")


def row_json(row: SurveyResponse) -> dict[str, Any]:
    local = row.started_at.astimezone(PARIS)
    return {"call_id": row.call_id, "started_at": local.isoformat(), "day": local.date().isoformat(),
            "time": local.strftime("%H:%M:%S"), "queue": row.queue, "agent": row.agent, "origin": row.origin,
            "origin_label": ORIGIN_LABELS.get(row.origin, row.origin), "reason": row.reason, "status": row.status,
            "status_label": STATUS_LABELS.get(row.status, row.status), "satisfaction": row.satisfaction,
            "answered": row.answered}


def surveys_csv(rows: Iterable[dict[str, Any]]) -> str:
    """RFC 4180, UTF-8, French headers and labels, Paris local date and time (DST-correct)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow([r["call_id"], r["day"], r["time"], r["queue"] or "", r["agent"] or "", r["origin_label"],
                         r["reason"] or "", r["status_label"], "" if r["satisfaction"] is None else r["satisfaction"],
                         answered_label(r["answered"])])
    return out.getvalue()


def _where(f: SurveyFilter) -> list[ColumnElement[bool]]:
    start, end = local_midnight(f.params.first), local_midnight(f.params.last + timedelta(days=1))
    where = [SurveyResponse.started_at >= start, SurveyResponse.started_at < end]
    if f.params.queue is not None:
        where.append(SurveyResponse.queue == f.params.queue)
    if f.agent is not None:
        where.append(SurveyResponse.agent == f.agent)
    return where


async def survey_rows(engine: AsyncEngine, f: SurveyFilter, limit: int | None = None,
                      offset: int = 0) -> list[dict[str, Any]]:
    """The rows in time order (all of them without `limit`)."""
    query = (select(SurveyResponse).where(*_where(f)).order_by(SurveyResponse.started_at, SurveyResponse.id)
             .offset(offset).limit(limit))
    async with AsyncSession(engine) as session:
        return [row_json(row) for row in await session.scalars(query)]


async def survey_summary(engine: AsyncEngine, f: SurveyFilter) -> dict[str, Any]:
    """Over every row of the filter: how many, by status, the average satisfaction, the share answered « oui »."""
    by_status = {status.value: func.count().filter(SurveyResponse.status == status.value).label(status.value)
                 for status in SurveyStatus}
    query = select(func.count().label("surveys"), func.avg(SurveyResponse.satisfaction).label("avg"),
                   func.count(SurveyResponse.answered).label("asked"),
                   func.count().filter(SurveyResponse.answered.is_(True)).label("yes"),
                   *by_status.values()).where(*_where(f))
    async with engine.connect() as conn:
        row = (await conn.execute(query)).one()
    return {"surveys": row.surveys, "by_status": {name: row._mapping[name] for name in by_status},
            "avg_satisfaction": None if row.avg is None else round(float(row.avg), 2),
            "answered_yes_pct": round(100 * row.yes / row.asked, 1) if row.asked else None}


async def survey_page(engine: AsyncEngine, f: SurveyFilter, limit: int, offset: int) -> dict[str, Any]:
    total = await survey_summary(engine, f)
    return {"from": f.params.first.isoformat(), "to": f.params.last.isoformat(), "timezone": PARIS_NAME,
            "queue": f.params.queue, "agent": f.agent, "total": total["surveys"], "limit": limit, "offset": offset,
            "summary": total, "rows": await survey_rows(engine, f, limit, offset)}
