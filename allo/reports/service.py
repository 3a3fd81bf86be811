"""One entry point for the API and the page: check the parameters against the queues, then compute."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from allo.reports.aggregate import QueueReport
from allo.reports.fetch import load_queues, run_report
from allo.reports.params import ReportParams, parse
from allo.reports.rows import QueueInfo


@dataclass(frozen=True)
class Report:
    params: ReportParams
    queues: list[QueueInfo]  # every known queue (for the form)
    reports: list[QueueReport]


async def make_report(engine: AsyncEngine, first: str | None, last: str | None, by: str | None,
                      queue: str | None) -> Report:
    """Raises BadReportParams with a message for the user."""
    queues = await load_queues(engine)
    params = parse(first, last, by, queue, {q.name for q in queues})
    return Report(params, queues, await run_report(engine, params, queues))
