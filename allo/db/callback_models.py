"""Callback requests and their dial attempts (migration 0004). The number is only ever stored encrypted."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Enum, ForeignKey, LargeBinary, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base


def _values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


class CallbackStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class AttemptOutcome(enum.StrEnum):
    CLAIMED = "claimed"  # row written before anything is sent to Asterisk: an attempt is never dialled twice
    ORIGINATED = "originated"
    AGENT_RESERVED = "agent_reserved"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class Callback(Base):
    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    origin: Mapped[str] = mapped_column(String(10))  # menu | queue | web
    queue: Mapped[str] = mapped_column(String(63))
    sector: Mapped[str | None] = mapped_column(String(40))
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_hash: Mapped[str | None] = mapped_column(String(64))
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    original_arrival: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[CallbackStatus] = mapped_column(
        Enum(CallbackStatus, name="callback_status", values_callable=_values), default=CallbackStatus.PENDING)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(40))
    # The promise as the citizen feels it (migration 0011, docs/callbacks.md): their phone first rang, they answered.
    first_ringing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    risen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # moved ahead of new arrivals
    consent: Mapped[bool] = mapped_column(Boolean)


class CallbackAttempt(Base):
    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"))
    attempt_no: Mapped[int] = mapped_column(SmallInteger)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    originated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent: Mapped[str | None] = mapped_column(String(63))
    ringing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # Dial() towards the citizen began
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the citizen picked up
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[AttemptOutcome] = mapped_column(
        Enum(AttemptOutcome, name="attempt_outcome", values_callable=_values), default=AttemptOutcome.CLAIMED)
    detail: Mapped[str | None] = mapped_column(String(120))
