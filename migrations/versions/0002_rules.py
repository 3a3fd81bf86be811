"""Routing rules: services, calendars (weekly periods, exceptions), access codes, menus, prompts.

Every change to a rules table bumps rules_meta.version and NOTIFYs channel allo_rules, so the FastAGI
processes reload their cached snapshot within a second without a restart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RULE_TABLES = ("calendars", "calendar_periods", "calendar_exceptions", "services", "queues", "access_codes",
               "menus", "menu_options", "prompts")


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("name ~ '^[a-z0-9][a-z0-9/_-]*$'", name="ck_prompts_name"),
    )
    op.create_table(
        "calendars",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("timezone", sa.String(40), nullable=False, server_default="Europe/Paris"),
        sa.Column("public_holidays", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("holiday_subdivision", sa.String(10)),
    )
    op.create_table(
        "calendar_periods",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("calendar_name", sa.String(40), sa.ForeignKey("calendars.name", ondelete="CASCADE",
                                                                name="fk_calendar_periods_calendar"),
                  nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("opens", sa.Time, nullable=False),
        sa.Column("closes", sa.Time, nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_calendar_periods_weekday"),
        sa.CheckConstraint("closes > opens OR closes = '00:00'", name="ck_calendar_periods_order"),
    )
    op.create_table(
        "calendar_exceptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("calendar_name", sa.String(40), sa.ForeignKey("calendars.name", ondelete="CASCADE",
                                                                name="fk_calendar_exceptions_calendar"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("opens", sa.Time),
        sa.Column("closes", sa.Time),
        sa.Column("message_prompt", sa.String(120), sa.ForeignKey("prompts.name", name="fk_calendar_exceptions_prompt")),
        sa.Column("message_text", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('closure', 'opening')", name="ck_calendar_exceptions_kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_calendar_exceptions_dates"),
        sa.CheckConstraint("(opens IS NULL) = (closes IS NULL)", name="ck_calendar_exceptions_times"),
    )
    op.create_table(
        "services",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("calendar_name", sa.String(40), sa.ForeignKey("calendars.name", name="fk_services_calendar"),
                  nullable=False),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("default_queue", sa.String(63), nullable=False),
    )
    op.add_column("queues", sa.Column("service_code", sa.String(40),
                                      sa.ForeignKey("services.code", name="fk_queues_service")))
    op.create_table(
        "access_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("service_code", sa.String(40), sa.ForeignKey("services.code", name="fk_access_codes_service"),
                  nullable=False),
        sa.Column("sector", sa.String(40)),
        sa.Column("code_hash", sa.LargeBinary, nullable=False),
        sa.Column("salt", sa.LargeBinary, nullable=False),
        sa.Column("iterations", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "menus",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("prompt", sa.String(120), sa.ForeignKey("prompts.name", name="fk_menus_prompt"), nullable=False),
        sa.Column("timeout_ms", sa.Integer, nullable=False, server_default="5000"),
    )
    op.create_table(
        "menu_options",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("menu_name", sa.String(40), sa.ForeignKey("menus.name", ondelete="CASCADE",
                                                            name="fk_menu_options_menu"), nullable=False),
        sa.Column("digit", sa.String(1), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("label", sa.String(120), nullable=False, server_default=""),
        sa.Column("target_menu", sa.String(40), sa.ForeignKey("menus.name", name="fk_menu_options_target")),
        sa.Column("queue", sa.String(63)),
        sa.Column("sector", sa.String(40)),
        sa.Column("service", sa.String(40)),
        sa.Column("prompt", sa.String(120), sa.ForeignKey("prompts.name", name="fk_menu_options_prompt")),
        sa.Column("external_number", sa.String(20)),
        sa.UniqueConstraint("menu_name", "digit", name="uq_menu_options_menu_digit"),
        sa.CheckConstraint("digit ~ '^[1-9]$'", name="ck_menu_options_digit"),
        sa.CheckConstraint("action IN ('submenu', 'access_code', 'queue', 'info_hangup', 'callback', "
                           "'external_number')", name="ck_menu_options_action"),
    )
    op.create_table(
        "rules_meta",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id = 1", name="ck_rules_meta_single"),
    )
    op.execute("INSERT INTO rules_meta (id, version) VALUES (1, 1)")
    op.execute("""
        CREATE FUNCTION allo_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE v bigint;
        BEGIN
            UPDATE rules_meta SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version INTO v;
            PERFORM pg_notify('allo_rules', v::text);
            RETURN NULL;
        END $$
    """)
    for table in RULE_TABLES:
        op.execute(f"CREATE TRIGGER {table}_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION allo_rules_changed()")

    op.execute("ALTER TYPE call_outcome ADD VALUE IF NOT EXISTS 'info'")
    op.execute("ALTER TYPE call_outcome ADD VALUE IF NOT EXISTS 'external'")
    op.add_column("calls", sa.Column("keys", sa.Text))
    op.add_column("calls", sa.Column("trace", JSONB))
    op.add_column("calls", sa.Column("sector", sa.String(40)))
    op.add_column("calls", sa.Column("rules_version", sa.BigInteger))


def downgrade() -> None:
    for column in ("rules_version", "sector", "trace", "keys"):
        op.drop_column("calls", column)
    for table in RULE_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_rules_changed ON {table}")
    op.execute("DROP FUNCTION IF EXISTS allo_rules_changed()")
    op.drop_table("rules_meta")
    op.drop_table("menu_options")
    op.drop_table("menus")
    op.drop_table("access_codes")
    op.drop_column("queues", "service_code")
    op.drop_table("services")
    op.drop_table("calendar_exceptions")
    op.drop_table("calendar_periods")
    op.drop_table("calendars")
    op.drop_table("prompts")
