"""Planning (issue 20): half-hour figures summarised as calls close, so the forecast and the plan read a summary.

`planning_halfhours`: one row per queue, Paris date and half-hour slot of that date (slot = (hour * 60 + minute)
// 30 in Paris wall-clock time; on the autumn change the repeated night hour folds into its slots, on the spring
change its slots are absent). Every figure is a sum, so a slot is recomputed whole from the raw tables (idempotent
upsert) whenever a call of it closes or a wrap-up of it ends (allo/planning/summary.py), and `allo planning
rebuild` recomputes any range.

- offered: queue legs that joined in the slot (every outcome but still waiting);
- answered, answered_in_sl (wait <= the queue's service_level at fold time), abandoned (after short_abandon),
  short_abandoned, callback (left for a callback), overflow, timeout;
- wait_sum_s: waits of the answered legs; abandoned_wait_sum_s: waits of the abandoned ones;
- handled, handle_sum_s: answered legs whose handling is known, and their talk + wrap-up seconds;
- staffed_s: seconds advisers of this queue were logged in and not paused during the slot (adviser-state history).

`planning_summary_state`: the fold's watermark (one row).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COUNTS = ("offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "callback", "overflow",
          "timeout", "handled")
SUMS = ("wait_sum_s", "abandoned_wait_sum_s", "handle_sum_s", "staffed_s")


def upgrade() -> None:
    op.create_table(
        "planning_halfhours",
        sa.Column("queue", sa.String(63), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("slot", sa.SmallInteger, nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in COUNTS),
        *(sa.Column(name, sa.Float, nullable=False, server_default="0") for name in SUMS),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("queue", "day", "slot", name="pk_planning_halfhours"),
        sa.CheckConstraint("slot BETWEEN 0 AND 47", name="ck_planning_halfhours_slot"),
    )
    op.create_index("ix_planning_halfhours_day", "planning_halfhours", ["day"])
    op.create_table(
        "planning_summary_state",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("folded_until", sa.DateTime(timezone=True)),
        sa.CheckConstraint("id = 1", name="ck_planning_summary_state_single"),
    )
    op.execute("INSERT INTO planning_summary_state (id, folded_until) VALUES (1, NULL)")


def downgrade() -> None:
    op.drop_table("planning_summary_state")
    op.drop_table("planning_halfhours")
