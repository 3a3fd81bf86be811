"""The recording a prompt plays instead of its synthesised text (set when a rules version is published).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("prompts", sa.Column("recording_id", sa.Integer,
                                       sa.ForeignKey("prompt_recordings.id", name="fk_prompts_recording")))


def downgrade() -> None:
    op.drop_column("prompts", "recording_id")
