"""Indexes for reports and the dashboard's day figures: legs by arrival time, callbacks by request time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_queue_legs_joined_at", "queue_legs", ["joined_at"])
    op.create_index("ix_callbacks_created_at", "callbacks", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_created_at", "callbacks")
    op.drop_index("ix_queue_legs_joined_at", "queue_legs")
