"""Who may do what: four roles; admin may do everything."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    ADMIN = "admin"  # accounts, and everything below
    OPS = "ops"  # routing rules: calendars, closures, codes, menu, prompts, queues; reports
    SUPERVISOR = "supervisor"  # live dashboard and actions on agents and calls; reports
    AGENT = "agent"  # own state, transfers, call notes


class AuthMethod(enum.StrEnum):
    COOKIE = "cookie"
    BEARER = "bearer"
    CLI = "cli"  # `allo users …` on the server: the audit log names the operating-system user


@dataclass(frozen=True)
class Principal:
    """The authenticated user of one request."""

    user_id: int
    username: str
    role: Role
    method: AuthMethod
    csrf_token: str | None = None  # cookie sessions only
    extension: str | None = None

    def allowed(self, roles: frozenset[Role]) -> bool:
        return self.role is Role.ADMIN or self.role in roles
