"""Indexes for the retention job: callbacks by the call that asked for them, notes by their time.

Without them each retention batch scanned the whole callbacks table (callbacks of the calls being erased) and the
leftover pass scanned call_notes (notes older than the cut-off).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_callbacks_call_id", "callbacks", ["call_id"])
    op.create_index("ix_call_notes_created_at", "call_notes", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_call_notes_created_at", "call_notes")
    op.drop_index("ix_callbacks_call_id", "callbacks")
