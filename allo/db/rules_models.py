"""Tables of the routing rules (migration 0002). Any write to them NOTIFYs `allo_rules`."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Time,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base
from routing.calendar_types import PARIS_NAME


class Prompt(Base):
    __tablename__ = "prompts"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # Migration 0007: an uploaded recording (prompt_recordings.id) played instead of the synthesised text.
    recording_id: Mapped[int | None] = mapped_column(Integer)  # FK to prompt_recordings in the migration
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CalendarRow(Base):
    __tablename__ = "calendars"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(40), default=PARIS_NAME)
    public_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    holiday_subdivision: Mapped[str | None] = mapped_column(String(10))


class CalendarPeriodRow(Base):
    __tablename__ = "calendar_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_name: Mapped[str] = mapped_column(ForeignKey("calendars.name", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class CalendarExceptionRow(Base):
    __tablename__ = "calendar_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_name: Mapped[str] = mapped_column(ForeignKey("calendars.name", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    opens: Mapped[time | None] = mapped_column(Time)
    closes: Mapped[time | None] = mapped_column(Time)
    message_prompt: Mapped[str | None] = mapped_column(ForeignKey("prompts.name"))
    message_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ServiceRow(Base):
    __tablename__ = "services"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    calendar_name: Mapped[str] = mapped_column(ForeignKey("calendars.name"))
    level: Mapped[int] = mapped_column(SmallInteger)
    default_queue: Mapped[str] = mapped_column(String(63))


class AccessCodeRow(Base):
    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    sector: Mapped[str | None] = mapped_column(String(40))
    code_hash: Mapped[bytes] = mapped_column(LargeBinary)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    iterations: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MenuRow(Base):
    __tablename__ = "menus"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    prompt: Mapped[str] = mapped_column(ForeignKey("prompts.name"))
    timeout_ms: Mapped[int] = mapped_column(Integer, default=5000)


class MenuOptionRow(Base):
    __tablename__ = "menu_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    menu_name: Mapped[str] = mapped_column(ForeignKey("menus.name", ondelete="CASCADE"))
    digit: Mapped[str] = mapped_column(String(1))
    action: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(120), default="")
    target_menu: Mapped[str | None] = mapped_column(ForeignKey("menus.name"))
    queue: Mapped[str | None] = mapped_column(String(63))
    sector: Mapped[str | None] = mapped_column(String(40))
    service: Mapped[str | None] = mapped_column(String(40))
    prompt: Mapped[str | None] = mapped_column(ForeignKey("prompts.name"))
    external_number: Mapped[str | None] = mapped_column(String(20))


class RulesMeta(Base):
    __tablename__ = "rules_meta"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TopicalMessageRow(Base):
    """The topical message (migration 0014): one row at most, played before the main menu between its dates."""

    __tablename__ = "topical_message"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    prompt: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
