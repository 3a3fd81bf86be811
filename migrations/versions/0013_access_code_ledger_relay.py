"""Wrong access codes bounded across calls (a ledger of pseudonyms and times, never the digits), and calls that
came through a relay platform for deaf and hard-of-hearing callers.

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wrong_access_codes",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller_hash", sa.String(64), nullable=True),
        sa.Column("relay", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_wrong_access_codes_at", "wrong_access_codes", ["at"])
    # A caller's count within the window: its rows by time, pooled rows (NULL) by the index on `at`.
    op.create_index("ix_wrong_access_codes_caller_at", "wrong_access_codes", ["caller_hash", "at"])
    op.add_column("calls", sa.Column("relay", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("calls", "relay")
    op.drop_table("wrong_access_codes")
