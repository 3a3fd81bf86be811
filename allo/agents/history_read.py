"""The adviser-state history read back (GET /api/agents/history): a bounded period in Paris time, an adviser or
all, as JSON pages or a CSV file with French headers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.desk_models import AgentStateEvent, AgentStateKind, StateSource
from allo.records.lookup_params import BadLookup, parse_moment
from routing.calendar_types import PARIS

MAX_RANGE = timedelta(days=31)
DEFAULT_LIMIT, MAX_LIMIT, CSV_LIMIT = 200, 1000, 200_000
AGENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
STATES = {AgentStateKind.LOGIN: "connexion", AgentStateKind.LOGOUT: "déconnexion", AgentStateKind.PAUSE: "pause",
          AgentStateKind.RESUME: "reprise", AgentStateKind.WRAPUP_START: "début d'après-appel",
          AgentStateKind.WRAPUP_END: "fin d'après-appel"}
SOURCES = {StateSource.DESK: "bureau", StateSource.PHONE: "téléphone", StateSource.API: "API",
           StateSource.SUPERVISOR: "superviseur", StateSource.SYSTEM: "système"}
CSV_HEADER = ("conseiller", "date et heure (Paris)", "état", "motif", "source", "par", "appel")


@dataclass(frozen=True)
class HistoryQuery:
    agent: str | None
    start: datetime
    end: datetime
    limit: int
    offset: int


def parse_history(agent: str | None, first: str | None, last: str | None, limit: str | None, offset: str | None,
                  *, now: datetime) -> HistoryQuery:
    """Raises BadLookup (a French sentence). No period: today in Paris; a period of at most 31 days."""
    name = (agent or "").strip() or None
    if name is not None and not AGENT.match(name):
        raise BadLookup("« agent » : identifiant de conseiller invalide")
    today = now.astimezone(PARIS).date().isoformat()
    start = parse_moment(first if first and first.strip() else today, "du")
    end = parse_moment(last if last and last.strip() else start.date().isoformat(), "au", end=True)
    if end <= start:
        raise BadLookup("La fin de la période doit être après son début")
    if end - start > MAX_RANGE:
        raise BadLookup(f"La période dépasse {MAX_RANGE.days} jours : choisissez-en une plus courte")
    return HistoryQuery(name, start, end, _count(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                        _count(offset, "offset", 0, 0, 10_000_000))


def _count(text: str | None, field: str, default: int, low: int, high: int) -> int:
    if text is None or not text.strip():
        return default
    if not (text.strip().isascii() and text.strip().isdigit()) or not low <= int(text) <= high:
        raise BadLookup(f"« {field} » doit être un nombre entier de {low} à {high}")
    return int(text)


async def read_history(engine: AsyncEngine, query: HistoryQuery, *, limit: int | None = None,
                       offset: int | None = None) -> list[AgentStateEvent]:
    stmt = select(AgentStateEvent).where(AgentStateEvent.at >= query.start, AgentStateEvent.at < query.end)
    if query.agent is not None:
        stmt = stmt.where(AgentStateEvent.agent == query.agent)
    stmt = (stmt.order_by(AgentStateEvent.at, AgentStateEvent.id)
            .offset(query.offset if offset is None else offset).limit(query.limit if limit is None else limit))
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [AgentStateEvent(**row._mapping) for row in rows]


def event_document(row: AgentStateEvent) -> dict[str, object]:
    return {"id": row.id, "agent": row.agent, "at": row.at.isoformat(), "state": row.state,
            "state_label": STATES.get(AgentStateKind(row.state), row.state), "reason": row.reason,
            "source": row.source, "source_label": SOURCES.get(StateSource(row.source), row.source),
            "actor": row.actor, "call_id": row.call_id}


def history_csv(rows: Sequence[AgentStateEvent]) -> str:
    """RFC 4180 (comma, CRLF), UTF-8, French headers and labels, times in Paris."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([row.agent, row.at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S"),
                         STATES.get(AgentStateKind(row.state), row.state), row.reason or "",
                         SOURCES.get(StateSource(row.source), row.source), row.actor or "", row.call_id or ""])
    return out.getvalue()
