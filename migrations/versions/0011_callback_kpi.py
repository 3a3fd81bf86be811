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
    # Before this revision the best we know is the agent time of the attempts that dialled the citizen (the dial
    # began a prompt later): answered, unanswered, busy. Better than nothing for the reports of past days.
    op.execute("""
        UPDATE callback_attempts SET ringing_at = agent_at
        WHERE agent_at IS NOT NULL AND outcome IN ('answered', 'no_answer', 'busy')
    """)
    op.execute("UPDATE callback_attempts SET reached_at = ringing_at WHERE outcome = 'answered'")
    op.execute("""
        UPDATE callbacks c SET first_ringing_at = a.rang, reached_at = a.reached
        FROM (SELECT callback_id, min(ringing_at) AS rang, min(reached_at) AS reached
              FROM callback_attempts WHERE ringing_at IS NOT NULL GROUP BY callback_id) a
        WHERE a.callback_id = c.id
    """)


def downgrade() -> None:
    op.drop_column("callbacks", "risen_at")
    op.drop_column("callbacks", "reached_at")
    op.drop_column("callbacks", "first_ringing_at")
    op.drop_column("callback_attempts", "reached_at")
    op.drop_column("callback_attempts", "ringing_at")
