"""The adviser's desk (issue 18): adviser-state history, pause and wrap-up reasons ops maintain, wrap-ups stored
with the call, bodies a caller was oriented to, procedure flags, supervisor-help requests, and notes saved as typed.

- `agent_state_events`: every state change of an adviser (log in, pause with its reason, resume, log out, wrap-up
  start and end), who made it (`actor`) and from where (`source`: desk, phone, api, supervisor, system). Reports
  and planning read it; wrap-up is its own state, never counted as pause time.
- `desk_reasons`: the short lists ops maintain, `kind` = pause | wrapup. Codes are stable (kept in the history and
  the wrap-ups), labels are what people read. Disabling a reason keeps old rows readable.
- `call_wrapups`: one per (call, adviser): the reason (a theme of the knowledge tree or a listed reason), the
  outcome, and when the wrap-up was done. A row may exist before the call ends (reason chosen during the call,
  `done_at` NULL): the level-2 desk shows the level-1 reason that way.
- `call_orientations`: the public body (directory) a caller was given.
- `procedure_flags`: « signaler une difficulté » on a sheet or a procedure, with its status for ops.
- `help_requests`: an adviser asks a supervisor for help; shown on the dashboard until answered.
- `call_notes.updated_at`: an adviser's note is saved as typed (one note per call and author is updated).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PAUSE_REASONS = [
    ("pause", "Pause", 1),
    ("dejeuner", "Déjeuner", 2),
    ("formation", "Formation", 3),
    ("reunion", "Réunion", 4),
    ("administratif", "Tâche administrative", 5),
    ("telephone", "Pause depuis le téléphone", 6),
]
WRAPUP_REASONS = [
    ("suivi-dossier", "Suivi d'un dossier en cours", 1),
    ("demarche-en-ligne", "Aide à une démarche en ligne", 2),
    ("orientation", "Demande d'orientation", 3),
    ("reclamation", "Réclamation", 4),
    ("hors-champ", "Hors du champ du 3939", 5),
    ("autre", "Autre", 6),
]


def upgrade() -> None:
    op.create_table(
        "agent_state_events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(80)),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(63)),
        sa.Column("call_id", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('login', 'logout', 'pause', 'resume', 'wrapup_start', 'wrapup_end')",
                           name="ck_agent_state_events_state"),
        sa.CheckConstraint("source IN ('desk', 'phone', 'api', 'supervisor', 'system')",
                           name="ck_agent_state_events_source"),
    )
    op.create_index("ix_agent_state_events_agent_at", "agent_state_events", ["agent", "at"])
    op.create_index("ix_agent_state_events_at", "agent_state_events", ["at"])

    op.create_table(
        "desk_reasons",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("kind", "code", name="uq_desk_reasons_kind_code"),
        sa.CheckConstraint("kind IN ('pause', 'wrapup')", name="ck_desk_reasons_kind"),
        sa.CheckConstraint("code ~ '^[a-z0-9][a-z0-9-]{0,39}$'", name="ck_desk_reasons_code"),
    )
    reasons = sa.table("desk_reasons", sa.column("kind", sa.String), sa.column("code", sa.String),
                       sa.column("label", sa.String), sa.column("position", sa.Integer))
    op.bulk_insert(reasons, [{"kind": "pause", "code": c, "label": lab, "position": p} for c, lab, p in PAUSE_REASONS]
                   + [{"kind": "wrapup", "code": c, "label": lab, "position": p} for c, lab, p in WRAPUP_REASONS])

    op.create_table(
        "call_wrapups",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("queue", sa.String(63)),
        sa.Column("level", sa.SmallInteger),
        sa.Column("reason_kind", sa.String(10)),
        sa.Column("reason_code", sa.String(40)),
        sa.Column("reason_label", sa.String(200)),
        sa.Column("outcome", sa.String(20)),
        sa.Column("sector", sa.String(40)),
        sa.Column("body_id", sa.String(64)),
        sa.Column("call_ended_at", sa.DateTime(timezone=True)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("expired", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("call_id", "agent", name="uq_call_wrapups_call_agent"),
        sa.CheckConstraint("reason_kind IS NULL OR reason_kind IN ('theme', 'list')", name="ck_call_wrapups_kind"),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('answered', 'transferred', 'oriented', 'callback', "
                           "'out_of_scope')", name="ck_call_wrapups_outcome"),
    )
    op.create_index("ix_call_wrapups_done_at", "call_wrapups", ["done_at"])
    op.create_index("ix_call_wrapups_agent", "call_wrapups", ["agent", "created_at"])

    op.create_table(
        "call_orientations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False, index=True),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("body_id", sa.String(64), nullable=False),
        sa.Column("body_name", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "procedure_flags",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("sheet_id", sa.String(32)),
        sa.Column("procedure", sa.String(200)),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("author", sa.String(63), nullable=False),
        sa.Column("call_id", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False, server_default="new"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.String(63)),
        sa.CheckConstraint("status IN ('new', 'seen', 'passed_on')", name="ck_procedure_flags_status"),
        sa.CheckConstraint("sheet_id IS NOT NULL OR procedure IS NOT NULL", name="ck_procedure_flags_subject"),
    )
    op.create_index("ix_procedure_flags_sheet", "procedure_flags", ["sheet_id"])
    op.create_index("ix_procedure_flags_created", "procedure_flags", ["created_at"])

    op.create_table(
        "help_requests",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("call_id", sa.String(64)),
        sa.Column("text", sa.String(200), nullable=False, server_default=""),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("answered_by", sa.String(63)),
    )
    op.create_index("ix_help_requests_open", "help_requests", ["asked_at"],
                    postgresql_where=sa.text("answered_at IS NULL"))

    op.add_column("call_notes", sa.Column("updated_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("call_notes", "updated_at")
    for table in ("help_requests", "procedure_flags", "call_orientations", "call_wrapups", "desk_reasons",
                  "agent_state_events"):
        op.drop_table(table)
