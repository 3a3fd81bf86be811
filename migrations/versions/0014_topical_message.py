"""The topical message (issue 16): a short announcement ops publish for a peak, played after the welcome and
before the main menu between its start and end (Paris time). One row at most (`id = 1`); it names the prompt that
says it (`prompts.name`, synthesised by the service like every prompt, or its uploaded recording). A rules table
like the others: the statement trigger of migration 0002 bumps rules_meta.version and NOTIFYs allo_rules.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topical_message",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("prompt", sa.String(120), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.CheckConstraint("id = 1", name="ck_topical_message_single"),
    )
    op.execute("CREATE TRIGGER topical_message_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
               "ON topical_message FOR EACH STATEMENT EXECUTE FUNCTION allo_rules_changed()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS topical_message_rules_changed ON topical_message")
    op.drop_table("topical_message")
