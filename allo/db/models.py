"""Tables. Changes go through an Alembic migration in `migrations/versions/`."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CallOutcome(enum.StrEnum):
    IN_MENU = "in_menu"
    QUEUED = "queued"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    COMPLETED = "completed"
    CLOSED = "closed"
    HUNG_UP_IN_MENU = "hung_up_in_menu"
    ERROR = "error"
    INFO = "info"
    EXTERNAL = "external"
    CALLBACK = "callback"  # left with a callback booked


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(SmallInteger)
    sector: Mapped[str | None] = mapped_column(String(40), unique=True)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"))
    strategy: Mapped[str] = mapped_column(String(20), default="leastrecent")
    ring_timeout: Mapped[int] = mapped_column(Integer, default=15)
    wrapup_time: Mapped[int] = mapped_column(Integer, default=5)
    service_level: Mapped[int] = mapped_column(Integer, default=20)
    max_wait: Mapped[int] = mapped_column(Integer, default=600)  # seconds; 0 = no limit
    on_max_wait: Mapped[str] = mapped_column(String(20), default="callback")  # callback | overflow | stay
    overflow_queue: Mapped[str | None] = mapped_column(String(63))
    announce_frequency: Mapped[int] = mapped_column(Integer, default=60)
    # Offer at entry (migration 0012): a callback or the overflow before joining, when this many callers already
    # wait, or when the estimated wait exceeds this many seconds; 0 = off (docs/queues.md).
    offer_at_waiting: Mapped[int] = mapped_column(Integer, default=0)
    offer_at_wait_s: Mapped[int] = mapped_column(Integer, default=0)
    # Dashboard targets (migration 0006): service level = share answered within `service_level` seconds.
    sl_target_pct: Mapped[int] = mapped_column(Integer, default=80)
    short_abandon: Mapped[int] = mapped_column(Integer, default=5)  # abandons quicker than this are not counted
    asa_target: Mapped[int] = mapped_column(Integer, default=30)  # average speed of answer, seconds
    abandon_target_pct: Mapped[int] = mapped_column(Integer, default=10)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # MD5("username:allo:password"): what PJSIP needs, never the password itself.
    password_digest: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AgentQueue(Base):
    __tablename__ = "agent_queues"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True)
    penalty: Mapped[int] = mapped_column(Integer, default=0)


class Call(Base):
    """One citizen call, keyed by Asterisk's Uniqueid of the caller's channel. Never the number in clear."""

    __tablename__ = "calls"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    dialled: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[CallOutcome] = mapped_column(
        Enum(CallOutcome, name="call_outcome", values_callable=lambda e: [m.value for m in e]))
    route_queue: Mapped[str | None] = mapped_column(String(63))
    menu_trace: Mapped[str | None] = mapped_column(Text)
    queue_joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_queue: Mapped[str | None] = mapped_column(String(63))
    agent: Mapped[str | None] = mapped_column(String(63))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(40))
    keys: Mapped[str | None] = mapped_column(Text)
    trace: Mapped[list[str] | None] = mapped_column(JSONB)
    sector: Mapped[str | None] = mapped_column(String(40))
    rules_version: Mapped[int | None] = mapped_column(BigInteger)
    transferred_to: Mapped[str | None] = mapped_column(String(40))
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    level1_agent: Mapped[str | None] = mapped_column(String(63))
    # Answered by the adviser of this caller's previous call, rung before the queue (repeat caller).
    preferred_agent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Came through a relay platform for deaf and hard-of-hearing callers (docs/accessibility.md, migration 0013).
    relay: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The node whose Asterisk holds the call (migration 0019, docs/scaling.md); None on a single node.
    node: Mapped[str | None] = mapped_column(String(32))


class WrongAccessCode(Base):
    """One wrong access code typed (docs/hostile-input.md): who by pseudonym and when, never the digits.

    `caller_hash` is NULL for callers without a number and for relay calls: those share the pooled limit.
    Kept only as long as the longest window needs (pruned by the retention task).
    """

    __tablename__ = "wrong_access_codes"
    __table_args__ = (Index("ix_wrong_access_codes_caller_at", "caller_hash", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    caller_hash: Mapped[str | None] = mapped_column(String(64))
    relay: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class CallNote(Base):
    """A level-1 adviser's note; it follows the call to level 2 (GET /api/calls/{call_id})."""

    __tablename__ = "call_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(63))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # saved as typed (the desk)


class LegOutcome(enum.StrEnum):
    """How one visit of a call to one queue ended."""

    WAITING = "waiting"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMEOUT = "timeout"
    CALLBACK = "callback"
    OVERFLOW = "overflow"
    LEFT = "left"


class QueueLeg(Base):
    """One visit of a call to one queue (a transferred call has two: level 1, then its sector)."""

    __tablename__ = "queue_legs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(63))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    position: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[LegOutcome] = mapped_column(
        Enum(LegOutcome, name="leg_outcome", values_callable=lambda e: [m.value for m in e]),
        default=LegOutcome.WAITING)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    agent: Mapped[str | None] = mapped_column(String(63))
    end_reason: Mapped[str | None] = mapped_column(String(40))
    node: Mapped[str | None] = mapped_column(String(32))
