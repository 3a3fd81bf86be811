"""Call outcome `callback` (left with a callback booked) and `calls.preferred_agent` (repeat caller served by
the adviser of their previous call).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TYPE call_outcome ADD VALUE IF NOT EXISTS 'callback'")
    op.add_column("calls", sa.Column("preferred_agent", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("calls", "preferred_agent")
    # PostgreSQL cannot drop an enum value: rows keep their outcome, mapped back to completed.
    op.execute("UPDATE calls SET outcome = 'completed' WHERE outcome = 'callback'")
