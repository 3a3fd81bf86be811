"""Knowledge base and directory tables (migration 0015): the DILA answer sheets and public bodies.

The search columns (`search`, generated tsvectors) and the trigram indexes on `allo_fold(...)` live in the
migration only: queries name them in SQL (`allo.knowledge.search`, `allo.directory.search`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base


class KbSheet(Base):
    __tablename__ = "kb_sheets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    pub_type: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, server_default="")
    subject: Mapped[str] = mapped_column(Text, server_default="")
    audiences: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    parent_id: Mapped[str | None] = mapped_column(String(32))
    theme_id: Mapped[str | None] = mapped_column(String(32))
    breadcrumb: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    sp_url: Mapped[str] = mapped_column(Text, server_default="")
    modified_on: Mapped[date | None] = mapped_column(Date)
    important_change_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    body_text: Mapped[str] = mapped_column(Text, server_default="")
    pivots: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    links: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    unknown_elements: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    source_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DirBody(Base):
    __tablename__ = "dir_bodies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    acronym: Mapped[str] = mapped_column(Text, server_default="")
    category: Mapped[str] = mapped_column(String(16), server_default="")
    org_type: Mapped[str] = mapped_column(Text, server_default="")
    national: Mapped[bool] = mapped_column(Boolean, server_default="false")
    insee: Mapped[str] = mapped_column(String(5), server_default="")
    department: Mapped[str] = mapped_column(String(3), server_default="")
    commune_name: Mapped[str] = mapped_column(Text, server_default="")
    postal_code: Mapped[str] = mapped_column(String(5), server_default="")
    pivots: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    main_for: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    parent_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    faxes: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    emails: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    websites: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    contact_forms: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    hours_comment: Mapped[str] = mapped_column(Text, server_default="")
    url: Mapped[str] = mapped_column(Text, server_default="")
    modified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DirServed(Base):
    __tablename__ = "dir_served"
    __table_args__ = (Index("ix_dir_served_pivot_insee", "pivot", "insee"), Index("ix_dir_served_insee", "insee"))

    body_id: Mapped[str] = mapped_column(String(64), ForeignKey("dir_bodies.id", ondelete="CASCADE"),
                                         primary_key=True)
    pivot: Mapped[str] = mapped_column(String(64), primary_key=True)
    insee: Mapped[str] = mapped_column(String(5), primary_key=True)


class DirCommune(Base):
    __tablename__ = "dir_communes"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    postal_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    department: Mapped[str] = mapped_column(String(3))


class KbEscalation(Base):
    """An escalation sheet (a rules table): a theme, dossier or sheet → a level-2 sector or an outside body."""

    __tablename__ = "kb_escalations"
    __table_args__ = (CheckConstraint("(sector IS NULL) <> (pivot IS NULL)", name="one_target"),)

    target_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sector: Mapped[str | None] = mapped_column(String(40))
    pivot: Mapped[str | None] = mapped_column(String(64))
    instruction: Mapped[str] = mapped_column(Text)


class KbImport(Base):
    __tablename__ = "kb_imports"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    partial: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, int]] = mapped_column(JSONB)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    warnings: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
