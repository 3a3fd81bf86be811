"""Accounts and roles, sessions and API tokens, the audit log, published rules versions and drafts, recorded
prompts, and the dashboard targets of each queue.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(63), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False, server_default=""),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("extension", sa.String(63)),  # PJSIP endpoint a supervisor listens from (ChanSpy)
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("role IN ('admin', 'ops', 'supervisor', 'agent')", name="users_role_known"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.LargeBinary, primary_key=True),  # sha256 of the token; the token is never stored
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("csrf_token", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('cookie', 'bearer')", name="auth_sessions_kind_known"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now(), index=True),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("detail", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_table(
        "rules_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document", postgresql.JSONB, nullable=False),
        sa.Column("published_by", sa.String(63), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("rollback_of", sa.Integer, sa.ForeignKey("rules_versions.id")),
        sa.Column("rules_version", sa.BigInteger),  # rules_meta.version once published
    )
    op.create_table(
        "rules_drafts",
        sa.Column("author", sa.String(63), primary_key=True),  # one draft per user
        sa.Column("based_on", sa.Integer, sa.ForeignKey("rules_versions.id")),
        sa.Column("document", postgresql.JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "prompt_recordings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("prompt", sa.String(120), nullable=False, index=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("audio", sa.LargeBinary, nullable=False),  # 8 kHz mono 16-bit WAV, as Asterisk plays it
        sa.Column("uploaded_by", sa.String(63), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    for column, default in (("sl_target_pct", 80), ("short_abandon", 5), ("asa_target", 30),
                            ("abandon_target_pct", 10)):
        op.add_column("queues", sa.Column(column, sa.Integer, nullable=False, server_default=str(default)))


def downgrade() -> None:
    for column in ("sl_target_pct", "short_abandon", "asa_target", "abandon_target_pct"):
        op.drop_column("queues", column)
    for table in ("prompt_recordings", "rules_drafts", "rules_versions", "audit_log", "auth_sessions", "users"):
        op.drop_table(table)
