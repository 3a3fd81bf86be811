"""The callback promise measured where the citizen feels it: when their phone starts ringing and when they are
reached, per attempt and per callback; and when a callback rose ahead of new arrivals (docs/callbacks.md).

Before this, "kept" was read from `coalesce(originated_at, claimed_at)`: the moment the callback started waiting
for an adviser, not the moment anything happened to the citizen.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("callback_attempts", sa.Column("ringing_at", _TS, nullable=True))
    op.add_column("callback_attempts", sa.Column("reached_at", _TS, nullable=True))
    op.add_column("callbacks", sa.Column("first_ringing_at", _TS, nullable=True))
    op.add_column("callbacks", sa.Column("reached_at", _TS, nullable=True))
    op.add_column("callbacks", sa.Column("risen_at", _TS, nullable=True))
    # Callbacks answered before this revision: the best we know is the answered attempt's agent time (the dial
    # began a prompt later); better than nothing for the reports of past days.
    op.execute("""
        UPDATE callbacks c SET first_ringing_at = a.at, reached_at = a.at
        FROM (SELECT callback_id, min(coalesce(agent_at, originated_at, claimed_at)) AS at
              FROM callback_attempts WHERE outcome = 'answered' GROUP BY callback_id) a
        WHERE a.callback_id = c.id
    """)


def downgrade() -> None:
    op.drop_column("callbacks", "risen_at")
    op.drop_column("callbacks", "reached_at")
    op.drop_column("callbacks", "first_ringing_at")
    op.drop_column("callback_attempts", "reached_at")
    op.drop_column("callback_attempts", "ringing_at")
