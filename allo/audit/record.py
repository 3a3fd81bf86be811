"""The audit log: every change to the rules and every supervisor action, with who and when."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.admin_models import AuditEntry


class Actor(Protocol):
    """Who acts: a signed-in user (allo.auth.roles.Principal) or an operator at the command line."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> StrEnum: ...


def audit(session: AsyncSession, who: Actor, action: str, target: str = "", **detail: Any) -> None:
    """Add an entry to `session`; it commits with the change it describes (or not at all)."""
    session.add(AuditEntry(actor=who.username, role=who.role.value, action=action, target=target[:200],
                           detail=detail))
