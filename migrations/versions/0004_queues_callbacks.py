"""Queue behaviour (max wait, overflow, announcements), queue legs with their outcomes, callbacks and attempts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LEG_OUTCOMES = ("waiting", "answered", "abandoned", "timeout", "callback", "overflow", "left")
CALLBACK_STATUSES = ("pending", "in_progress", "done", "failed", "cancelled", "expired")
ATTEMPT_OUTCOMES = ("claimed", "originated", "agent_reserved", "answered", "no_answer", "busy", "failed",
                    "interrupted", "cancelled")


def upgrade() -> None:
    op.add_column("queues", sa.Column("max_wait", sa.Integer, nullable=False, server_default="600"))
    op.add_column("queues", sa.Column("on_max_wait", sa.String(20), nullable=False, server_default="callback"))
    op.add_column("queues", sa.Column("overflow_queue", sa.String(63)))
    op.add_column("queues", sa.Column("announce_frequency", sa.Integer, nullable=False, server_default="60"))
    op.create_check_constraint("ck_queues_on_max_wait", "queues", "on_max_wait IN ('callback', 'overflow', 'stay')")
    op.create_check_constraint("ck_queues_max_wait", "queues", "max_wait >= 0 AND max_wait <= 7200")
    op.create_check_constraint("ck_queues_overflow", "queues",
                               "on_max_wait <> 'overflow' OR (overflow_queue IS NOT NULL AND overflow_queue <> name)")

    leg_outcome = postgresql.ENUM(*LEG_OUTCOMES, name="leg_outcome")
    op.create_table(
        "queue_legs",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False, index=True),
        sa.Column("queue", sa.String(63), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("left_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", leg_outcome, nullable=False, server_default="waiting"),
        sa.Column("wait_seconds", sa.Integer),
        sa.Column("agent", sa.String(63)),
        sa.Column("end_reason", sa.String(40)),
        sa.UniqueConstraint("call_id", "queue", "joined_at", name="uq_queue_legs_visit"),
    )
    op.create_index("ix_queue_legs_queue_left", "queue_legs", ["queue", "left_at"])

    status = postgresql.ENUM(*CALLBACK_STATUSES, name="callback_status")
    op.create_table(
        "callbacks",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("public_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("queue", sa.String(63), nullable=False),
        sa.Column("sector", sa.String(40)),
        sa.Column("call_id", sa.String(64)),
        sa.Column("caller_hash", sa.String(64)),
        # Fernet token of the number; NULL once the callback is closed (erased, not just hidden).
        sa.Column("phone_cipher", sa.LargeBinary),
        sa.Column("original_arrival", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", status, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(40)),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.CheckConstraint("origin IN ('menu', 'queue', 'web')", name="ck_callbacks_origin"),
        sa.CheckConstraint("consent", name="ck_callbacks_consent"),
        sa.CheckConstraint("status IN ('pending', 'in_progress') OR phone_cipher IS NULL",
                           name="ck_callbacks_erased_when_closed"),
    )
    op.create_index("ix_callbacks_due", "callbacks", ["status", "next_attempt_at"])

    attempt_outcome = postgresql.ENUM(*ATTEMPT_OUTCOMES, name="attempt_outcome")
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("callback_id", sa.BigInteger, sa.ForeignKey("callbacks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attempt_no", sa.SmallInteger, nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("originated_at", sa.DateTime(timezone=True)),
        sa.Column("agent_at", sa.DateTime(timezone=True)),
        sa.Column("agent", sa.String(63)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", attempt_outcome, nullable=False, server_default="claimed"),
        sa.Column("detail", sa.String(120)),
        sa.UniqueConstraint("callback_id", "attempt_no", name="uq_callback_attempts_once"),
    )


def downgrade() -> None:
    op.drop_table("callback_attempts")
    op.drop_table("callbacks")
    op.drop_index("ix_queue_legs_queue_left", "queue_legs")
    op.drop_table("queue_legs")
    for name in ("attempt_outcome", "callback_status", "leg_outcome"):
        op.execute(f"DROP TYPE {name}")
    for name in ("overflow", "max_wait", "on_max_wait"):
        op.drop_constraint(f"ck_queues_{name}", "queues")
    for column in ("announce_frequency", "overflow_queue", "on_max_wait", "max_wait"):
        op.drop_column("queues", column)
