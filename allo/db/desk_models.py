"""The adviser's desk tables (migration 0016): state history, reasons ops maintain, wrap-ups, orientations,
procedure flags and supervisor-help requests (docs/desk.md)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, Integer, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base


class AgentStateKind(enum.StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    PAUSE = "pause"
    RESUME = "resume"
    WRAPUP_START = "wrapup_start"
    WRAPUP_END = "wrapup_end"


class StateSource(enum.StrEnum):
    DESK = "desk"
    PHONE = "phone"
    API = "api"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"


class ReasonKind(enum.StrEnum):
    PAUSE = "pause"
    WRAPUP = "wrapup"


class WrapupOutcome(enum.StrEnum):
    ANSWERED = "answered"  # answered at level 1 (or 2): nothing else needed
    TRANSFERRED = "transferred"  # to a level-2 sector
    ORIENTED = "oriented"  # to a public body of the directory
    CALLBACK = "callback"  # a callback promised
    OUT_OF_SCOPE = "out_of_scope"


class FlagStatus(enum.StrEnum):
    NEW = "new"
    SEEN = "seen"
    PASSED_ON = "passed_on"


class AgentStateEvent(Base):
    __tablename__ = "agent_state_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    agent: Mapped[str] = mapped_column(String(63))
    state: Mapped[str] = mapped_column(String(20))  # AgentStateKind
    reason: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))  # StateSource
    actor: Mapped[str | None] = mapped_column(String(63))
    call_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeskReason(Base):
    __tablename__ = "desk_reasons"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # ReasonKind
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")


class CallWrapup(Base):
    __tablename__ = "call_wrapups"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(63))
    queue: Mapped[str | None] = mapped_column(String(63))
    level: Mapped[int | None] = mapped_column(SmallInteger)
    reason_kind: Mapped[str | None] = mapped_column(String(10))  # "theme" | "list"
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_label: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(20))  # WrapupOutcome
    sector: Mapped[str | None] = mapped_column(String(40))
    body_id: Mapped[str | None] = mapped_column(String(64))
    call_ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CallOrientation(Base):
    __tablename__ = "call_orientations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str] = mapped_column(String(63))
    body_id: Mapped[str] = mapped_column(String(64))
    body_name: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProcedureFlag(Base):
    __tablename__ = "procedure_flags"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sheet_id: Mapped[str | None] = mapped_column(String(32))
    procedure: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(1000))
    author: Mapped[str] = mapped_column(String(63))
    call_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), server_default="new")  # FlagStatus
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(String(63))


class HelpRequest(Base):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    agent: Mapped[str] = mapped_column(String(63))
    call_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(200), server_default="")
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(63))
