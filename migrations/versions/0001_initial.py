"""Queues, agents, their queue memberships and the call records.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OUTCOMES = ("in_menu", "queued", "answered", "abandoned", "completed", "closed", "hung_up_in_menu", "error")


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("sector", sa.String(40)),
        sa.Column("strategy", sa.String(20), nullable=False, server_default="leastrecent"),
        sa.Column("ring_timeout", sa.Integer, nullable=False, server_default="15"),
        sa.Column("wrapup_time", sa.Integer, nullable=False, server_default="5"),
        sa.Column("service_level", sa.Integer, nullable=False, server_default="20"),
        sa.PrimaryKeyConstraint("id", name="pk_queues"),
        sa.UniqueConstraint("name", name="uq_queues_name"),
        sa.UniqueConstraint("sector", name="uq_queues_sector"),
        sa.CheckConstraint("level IN (1, 2)", name="ck_queues_level"),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(63), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("password_digest", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
        sa.UniqueConstraint("username", name="uq_agents_username"),
    )
    op.create_table(
        "agent_queues",
        sa.Column("agent_id", sa.Integer, nullable=False),
        sa.Column("queue_id", sa.Integer, nullable=False),
        sa.Column("penalty", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("agent_id", "queue_id", name="pk_agent_queues"),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE",
                                name="fk_agent_queues_agent_id_agents"),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], ondelete="CASCADE",
                                name="fk_agent_queues_queue_id_queues"),
    )
    outcome = sa.Enum(*OUTCOMES, name="call_outcome")
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("caller_hash", sa.String(64)),
        sa.Column("dialled", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", outcome, nullable=False),
        sa.Column("route_queue", sa.String(63)),
        sa.Column("menu_trace", sa.Text),
        sa.Column("queue_joined_at", sa.DateTime(timezone=True)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("answered_queue", sa.String(63)),
        sa.Column("agent", sa.String(63)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("end_reason", sa.String(40)),
        sa.PrimaryKeyConstraint("call_id", name="pk_calls"),
    )
    op.create_index("ix_calls_caller_hash", "calls", ["caller_hash"])
    op.create_index("ix_calls_started_at", "calls", ["started_at"])


def downgrade() -> None:
    op.drop_table("calls")
    sa.Enum(name="call_outcome").drop(op.get_bind(), checkfirst=True)
    op.drop_table("agent_queues")
    op.drop_table("agents")
    op.drop_table("queues")
