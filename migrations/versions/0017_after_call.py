"""After the call (issue 19): written confirmations by e-mail and the satisfaction survey by phone.

- `confirmations`: one per confirmation an adviser sends from the desk. The caller's address is kept only
  encrypted (`address_enc`, Fernet under the callback key, like callback numbers) and only until the mail is
  delivered or abandoned; then it is set to NULL and only `sent_at` (or `abandoned_at`) stays with the call.
  `message_id` is fixed at creation: a retry after a restart sends the same Message-ID, so a receiver (and the
  tests) recognise it. `content` is what the mail says (sheets: id, title, summary, link; bodies: name, address,
  hours, phone): public data only, so the mail can be built again after a restart. `channel` is the seam for a
  later SMS provider: only 'email' is sent today.
- `survey_responses`: one per surveyed call whose adviser hung up first and whose caller reached the survey.
  Created as a non-answer; `satisfaction` (1-5) and `answered` (yes/no) are written as each key is pressed, so a
  hang-up keeps what was said. `queue`, `agent`, `reason` (the wrap-up's reason code when known) and `origin`
  (queue, repeat, callback) are stored with it; no caller number anywhere.
- `survey_settings`: a rules table (one row, `id = 1`, versioned with the rules like `topical_message`): whether
  the survey runs and its share, one call in `one_in`. Its prompts' texts are rows of `prompts` (enquete-*),
  seeded from the catalogue like every prompt.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "confirmations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False, server_default="email"),
        sa.Column("message_id", sa.String(255), nullable=False, unique=True),
        sa.Column("address_enc", sa.LargeBinary),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("abandoned_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'sent', 'abandoned')", name="ck_confirmations_status"),
        sa.CheckConstraint("channel IN ('email', 'sms')", name="ck_confirmations_channel"),
        # The address never outlives the delivery: a sent or abandoned confirmation holds none.
        sa.CheckConstraint("status = 'pending' OR address_enc IS NULL", name="ck_confirmations_address_erased"),
    )
    op.create_index("ix_confirmations_call", "confirmations", ["call_id"])
    op.create_index("ix_confirmations_due", "confirmations", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_confirmations_created", "confirmations", ["created_at"])

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False, unique=True),
        sa.Column("queue", sa.String(63)),
        sa.Column("agent", sa.String(63)),
        sa.Column("reason", sa.String(40)),
        sa.Column("origin", sa.String(12), nullable=False, server_default="queue"),
        sa.Column("rules_version", sa.Integer),
        sa.Column("status", sa.String(12), nullable=False, server_default="no_answer"),
        sa.Column("satisfaction", sa.SmallInteger),
        sa.Column("answered", sa.Boolean),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('no_answer', 'partial', 'complete')", name="ck_survey_responses_status"),
        sa.CheckConstraint("origin IN ('queue', 'repeat', 'callback', 'transfer')",
                           name="ck_survey_responses_origin"),
        sa.CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
                           name="ck_survey_responses_satisfaction"),
    )
    op.create_index("ix_survey_responses_started", "survey_responses", ["started_at"])
    op.create_index("ix_survey_responses_agent", "survey_responses", ["agent", "started_at"])


    op.create_table(
        "survey_settings",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("one_in", sa.SmallInteger, nullable=False, server_default="5"),
        sa.CheckConstraint("id = 1", name="ck_survey_settings_single"),
        sa.CheckConstraint("one_in BETWEEN 1 AND 100", name="ck_survey_settings_one_in"),
    )
    op.execute("INSERT INTO survey_settings (id, enabled, one_in) VALUES (1, true, 5)")
    op.execute("CREATE TRIGGER survey_settings_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
               "ON survey_settings FOR EACH STATEMENT EXECUTE FUNCTION allo_rules_changed()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS survey_settings_rules_changed ON survey_settings")
    op.drop_table("survey_settings")
    op.drop_table("survey_responses")
    op.drop_table("confirmations")
