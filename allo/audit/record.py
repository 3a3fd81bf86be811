"""The audit log: every change to the rules and every supervisor action, with who and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.roles import Principal
from allo.db.admin_models import AuditEntry


def audit(session: AsyncSession, who: Principal, action: str, target: str = "", **detail: Any) -> None:
    """Add an entry to `session`; it commits with the change it describes (or not at all)."""
    session.add(AuditEntry(actor=who.username, role=who.role.value, action=action, target=target[:200],
                           detail=detail))
