"""What the nodes share (migration 0019, docs/scaling.md): heartbeats, advisers' desired state, live queues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from allo.db.models import Base


class ClusterNode(Base):
    __tablename__ = "cluster_nodes"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    http_url: Mapped[str | None] = mapped_column(Text)
    sip_address: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    asterisk_up: Mapped[bool] = mapped_column(Boolean, server_default="false")
    asterisk_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AgentPresence(Base):
    """The adviser's desired state; each node's reconciler makes its Asterisk's queue members match it."""

    __tablename__ = "agent_presence"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    logged_in: Mapped[bool] = mapped_column(Boolean, server_default="false")
    paused: Mapped[bool] = mapped_column(Boolean, server_default="false")
    pause_reason: Mapped[str] = mapped_column(String(80), server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(String(63))
    node: Mapped[str | None] = mapped_column(String(32))


class NodeLive(Base):
    __tablename__ = "node_live"

    node: Mapped[str] = mapped_column(String(32), primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


__all__ = ["AgentPresence", "ClusterNode", "NodeLive"]
