"""The after-call tables (migration 0017): written confirmations and survey answers (docs/after-call.md)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, Integer, LargeBinary, SmallInteger, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base


class ConfirmationStatus(enum.StrEnum):
    PENDING = "pending"  # « en attente d'envoi »: not yet accepted by the SMTP server
    SENT = "sent"
    ABANDONED = "abandoned"  # refused for good by the server, or still undelivered at the end of the retries


class ConfirmationChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"  # the seam for a provider; nothing sends it today


class SurveyStatus(enum.StrEnum):
    NO_ANSWER = "no_answer"  # reached the survey, answered nothing (hung up, or no valid key)
    PARTIAL = "partial"  # satisfaction given, not "question answered"
    COMPLETE = "complete"


class SurveyOrigin(enum.StrEnum):
    QUEUE = "queue"
    REPEAT = "repeat"  # repeat caller rung directly (Dial g)
    CALLBACK = "callback"
    TRANSFER = "transfer"  # ended at level 2 after a transfer


class Confirmation(Base):
    __tablename__ = "confirmations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(63))
    channel: Mapped[str] = mapped_column(String(10), server_default="email")
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(12), server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    abandoned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str | None] = mapped_column(String(63))
    agent: Mapped[str | None] = mapped_column(String(63))
    reason: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(12), server_default="queue")
    rules_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), server_default="no_answer")
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    answered: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveySettingsRow(Base):
    """The survey's share (migration 0017): a rules table of one row, versioned with the rules."""

    __tablename__ = "survey_settings"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    one_in: Mapped[int] = mapped_column(SmallInteger, default=5)
