"""Reading the audit log (written by `allo.audit.record.audit`): filters, and who sees which entries.

Admins see every entry. Ops and supervisors see every entry except account administration (`user.*`,
`auth.*`: accounts created, roles changed, passwords reset): supervisors see the rules changes made by ops (why
calls are routed differently now) and ops see supervisors' actions (who paused or listened to whom).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.admin_models import AuditEntry
from routing.calendar_types import PARIS

ADMIN_ONLY_PREFIXES = ("user.", "auth.")
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


class BadAuditParams(ValueError):
    """The message is shown as is to the user (422)."""


@dataclass(frozen=True)
class AuditQuery:
    since: datetime | None = None
    actor: str | None = None
    action: str | None = None  # exact, or a prefix when it ends with '*' ("rules.*")
    before: int | None = None  # entries older than this id (paging)
    limit: int = DEFAULT_LIMIT


def parse_since(value: str | None) -> datetime | None:
    """A local date (its midnight in Paris) or an ISO date-time (naive = Paris time)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=PARIS)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadAuditParams(f"'since' must be YYYY-MM-DD or an ISO date-time, not {value[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def parse_query(since: str | None, actor: str | None, action: str | None, before: int | None,
                limit: int | None) -> AuditQuery:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise BadAuditParams(f"'limit' must be between 1 and {MAX_LIMIT}")
    return AuditQuery(parse_since(since), actor or None, action or None, before,
                      DEFAULT_LIMIT if limit is None else limit)


def visible_to(admin: bool) -> ColumnElement[bool] | None:
    """The SQL condition of the entries a reader may see (None: all, for an admin)."""
    if admin:
        return None
    return not_(or_(*(AuditEntry.action.startswith(prefix) for prefix in ADMIN_ONLY_PREFIXES)))


def _action_filter(action: str) -> ColumnElement[bool]:
    if action.endswith("*"):
        return AuditEntry.action.startswith(action[:-1], autoescape=True)
    return AuditEntry.action == action


async def read_entries(engine: AsyncEngine, query: AuditQuery, *, admin: bool) -> list[dict[str, Any]]:
    """Newest first."""
    conditions: list[ColumnElement[bool]] = []
    visible = visible_to(admin)
    if visible is not None:
        conditions.append(visible)
    if query.since is not None:
        conditions.append(AuditEntry.at >= query.since)
    if query.actor:
        conditions.append(AuditEntry.actor == query.actor)
    if query.action:
        conditions.append(_action_filter(query.action))
    if query.before is not None:
        conditions.append(AuditEntry.id < query.before)
    statement = (select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.role, AuditEntry.action,
                        AuditEntry.target, AuditEntry.detail)
                 .where(and_(True, *conditions)).order_by(AuditEntry.id.desc()).limit(query.limit))
    async with engine.connect() as conn:
        return [{"id": r.id, "at": r.at.astimezone(PARIS).isoformat(), "actor": r.actor, "role": r.role,
                 "action": r.action, "target": r.target, "detail": r.detail or {}}
                for r in await conn.execute(statement)]
