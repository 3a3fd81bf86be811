"""Offer at entry (issue 16): per queue, a callback (or the overflow, per `on_max_wait`) offered before the caller
joins when `offer_at_waiting` callers already wait, or when the estimated wait exceeds `offer_at_wait_s` seconds.
0 = off, the default: existing queues behave as before until ops set a threshold in the rules editor.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("offer_at_waiting", "offer_at_wait_s")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("queues", sa.Column(column, sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_column("queues", column)
