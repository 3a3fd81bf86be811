"""Level-1 notes that follow a call, and the transfer to a level-2 sector.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False, index=True),
        sa.Column("author", sa.String(63), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("length(text) BETWEEN 1 AND 4000", name="ck_call_notes_text"),
    )
    op.add_column("calls", sa.Column("transferred_to", sa.String(40)))
    op.add_column("calls", sa.Column("transferred_at", sa.DateTime(timezone=True)))
    op.add_column("calls", sa.Column("level1_agent", sa.String(63)))


def downgrade() -> None:
    for column in ("level1_agent", "transferred_at", "transferred_to"):
        op.drop_column("calls", column)
    op.drop_table("call_notes")
