"""Knowledge base and directory (issue 17): the DILA answer sheets ("fiches", XML) and the directory of public
bodies ("Annuaire de l'administration", JSON), imported from the official open data, searched in PostgreSQL.

Search: French full-text search with accents folded (`allo_fr`, a copy of `french` with `unaccent` before the
stemmer) weighted title (A) > summary (B) > body (C), plus trigram similarity (`pg_trgm`) on the folded title or
name, so a misspelt or accent-less query still finds its row. `allo_fold(text)` is the immutable fold (unaccent +
lower) used by the trigram indexes and by the queries (the same expression, so the index is used). Both extensions
are "trusted" since PostgreSQL 13: the database owner creates them, no superuser needed.

Rows are never deleted by an import: a sheet or body absent from a full snapshot is retired (`retired_at`), kept
readable. `source_hash` (sha256 of the parsed record) makes a re-import of an unchanged row a no-op.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE TEXT SEARCH CONFIGURATION allo_fr (COPY = pg_catalog.french)")
    op.execute("ALTER TEXT SEARCH CONFIGURATION allo_fr ALTER MAPPING FOR hword, hword_part, word "
               "WITH unaccent, french_stem")
    # unaccent(text) is only STABLE (it looks its dictionary up by name); naming it makes the fold immutable.
    op.execute("CREATE FUNCTION allo_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
               "AS $$ SELECT lower(unaccent('unaccent'::regdictionary, $1)) $$")

    op.create_table(
        "kb_sheets",
        sa.Column("id", sa.String(32), primary_key=True),  # F1234, N19611 (the file name = @ID)
        sa.Column("kind", sa.String(24), nullable=False),  # theme | dossier | fiche | question | how_to | other
        sa.Column("pub_type", sa.Text, nullable=False),  # Publication/@type as published
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),  # dc:description
        sa.Column("subject", sa.Text, nullable=False, server_default=""),  # dc:subject (the theme's title)
        sa.Column("audiences", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("parent_id", sa.String(32)),  # dossier (N) of a fiche, theme of a dossier; no FK: archives lag
        sa.Column("theme_id", sa.String(32)),
        sa.Column("breadcrumb", JSONB, nullable=False, server_default="[]"),  # [{id, title, type}]
        sa.Column("sp_url", sa.Text, nullable=False, server_default=""),
        sa.Column("modified_on", sa.Date),  # dc:date "modified YYYY-MM-DD"
        sa.Column("important_change_at", sa.DateTime(timezone=True)),  # @dateDerniereModificationImportante
        sa.Column("document", JSONB, nullable=False),  # the parsed sheet: intro, blocks, annexes (docs/knowledge.md)
        sa.Column("body_text", sa.Text, nullable=False, server_default=""),  # plain text of the body, for search
        sa.Column("pivots", ARRAY(sa.Text), nullable=False, server_default="{}"),  # PivotLocal codes of OuSAdresser
        sa.Column("links", ARRAY(sa.Text), nullable=False, server_default="{}"),  # LienInterne targets (F/N ids)
        sa.Column("unknown_elements", JSONB, nullable=False, server_default="{}"),  # {tag: count}, kept as text
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.Column("search", TSVECTOR, sa.Computed(
            "setweight(to_tsvector('allo_fr', title), 'A') || "
            "setweight(to_tsvector('allo_fr', summary), 'B') || "
            "setweight(to_tsvector('allo_fr', body_text), 'C')", persisted=True)),
    )
    op.execute("CREATE INDEX ix_kb_sheets_search ON kb_sheets USING gin (search)")
    op.execute("CREATE INDEX ix_kb_sheets_title_trgm ON kb_sheets USING gin (allo_fold(title) gin_trgm_ops)")
    op.create_index("ix_kb_sheets_parent", "kb_sheets", ["parent_id"])
    op.execute("CREATE INDEX ix_kb_sheets_pivots ON kb_sheets USING gin (pivots)")

    op.create_table(
        "dir_bodies",
        sa.Column("id", sa.String(64), primary_key=True),  # the export's UUID
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("acronym", sa.Text, nullable=False, server_default=""),  # sigle
        sa.Column("category", sa.String(16), nullable=False, server_default=""),  # categorie ("SL" = local)
        sa.Column("org_type", sa.Text, nullable=False, server_default=""),  # type_organisme (national bodies)
        sa.Column("national", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("insee", sa.String(5), nullable=False, server_default=""),  # commune of the body
        sa.Column("department", sa.String(3), nullable=False, server_default=""),  # from insee: 57, 2A, 971
        sa.Column("commune_name", sa.Text, nullable=False, server_default=""),
        sa.Column("postal_code", sa.String(5), nullable=False, server_default=""),
        sa.Column("pivots", ARRAY(sa.Text), nullable=False, server_default="{}"),  # type_service_local codes
        sa.Column("main_for", ARRAY(sa.Text), nullable=False, server_default="{}"),  # ancien_code_pivot ending -01
        sa.Column("parent_ids", ARRAY(sa.Text), nullable=False, server_default="{}"),  # hierarchie, inverted
        sa.Column("addresses", JSONB, nullable=False, server_default="[]"),
        sa.Column("phones", JSONB, nullable=False, server_default="[]"),  # [{number, description}]
        sa.Column("faxes", JSONB, nullable=False, server_default="[]"),
        sa.Column("emails", JSONB, nullable=False, server_default="[]"),
        sa.Column("websites", JSONB, nullable=False, server_default="[]"),  # [{label, url}]
        sa.Column("contact_forms", JSONB, nullable=False, server_default="[]"),
        sa.Column("hours", JSONB, nullable=False, server_default="[]"),  # normalised opening ranges
        sa.Column("hours_comment", sa.Text, nullable=False, server_default=""),
        sa.Column("url", sa.Text, nullable=False, server_default=""),  # url_service_public
        sa.Column("modified_at", sa.DateTime(timezone=True)),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.Column("search", TSVECTOR, sa.Computed(
            "setweight(to_tsvector('allo_fr', name), 'A') || "
            "setweight(to_tsvector('allo_fr', acronym || ' ' || commune_name), 'B')", persisted=True)),
    )
    op.execute("CREATE INDEX ix_dir_bodies_search ON dir_bodies USING gin (search)")
    op.execute("CREATE INDEX ix_dir_bodies_name_trgm ON dir_bodies USING gin (allo_fold(name) gin_trgm_ops)")
    op.execute("CREATE INDEX ix_dir_bodies_pivots ON dir_bodies USING gin (pivots)")
    # The national fallback of a type ("caf" → the national bodies with that pivot): a few rows, where the pivots
    # index above holds every local body of the type (thousands) for a common code.
    op.execute("CREATE INDEX ix_dir_bodies_national_pivots ON dir_bodies USING gin (pivots) WHERE national")
    op.create_index("ix_dir_bodies_insee", "dir_bodies", ["insee"])
    op.create_index("ix_dir_bodies_department", "dir_bodies", ["department"])
    op.create_index("ix_dir_bodies_postal_code", "dir_bodies", ["postal_code"])

    # Communes served per pivot (pivot[].code_insee_commune): "the caller's local office" is one index probe.
    op.create_table(
        "dir_served",
        sa.Column("body_id", sa.String(64), sa.ForeignKey("dir_bodies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("pivot", sa.String(64), primary_key=True),
        sa.Column("insee", sa.String(5), primary_key=True),
    )
    op.create_index("ix_dir_served_pivot_insee", "dir_served", ["pivot", "insee"])
    # "Is this INSEE code served by anybody" (a typed code that no body is located in) without a pivot to start
    # from: without it, a scan of every row (1.7 million for 80,000 bodies, ~100 ms).
    op.create_index("ix_dir_served_insee", "dir_served", ["insee"])

    # Communes known from the bodies' own addresses: a commune name or postal code typed by the adviser → INSEE.
    op.create_table(
        "dir_communes",
        sa.Column("insee", sa.String(5), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("postal_codes", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("department", sa.String(3), nullable=False),
    )
    op.execute("CREATE INDEX ix_dir_communes_name_trgm ON dir_communes USING gin (allo_fold(name) gin_trgm_ops)")
    op.execute("CREATE INDEX ix_dir_communes_postal ON dir_communes USING gin (postal_codes)")

    # Escalation sheets: a rules table like the others (published through the rules editor, versioned, audited;
    # the statement trigger of migration 0002 bumps rules_meta.version and NOTIFYs allo_rules). The target is a
    # theme, dossier or sheet id (no FK: an escalation may be written before the sheet is imported, and survives a
    # sheet's retirement); exactly one of a level-2 sector or an outside body's pivot code.
    op.create_table(
        "kb_escalations",
        sa.Column("target_id", sa.String(32), primary_key=True),
        sa.Column("sector", sa.String(40)),
        sa.Column("pivot", sa.String(64)),
        sa.Column("instruction", sa.Text, nullable=False),
        sa.CheckConstraint("(sector IS NULL) <> (pivot IS NULL)", name="ck_kb_escalations_one_target"),
    )
    op.execute("CREATE TRIGGER kb_escalations_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
               "ON kb_escalations FOR EACH STATEMENT EXECUTE FUNCTION allo_rules_changed()")

    # One row per import run (both data sets): what a supervisor asks "when was it last updated, what changed".
    op.create_table(
        "kb_imports",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("dataset", sa.String(16), nullable=False),  # knowledge | directory
        sa.Column("source", sa.Text, nullable=False),  # the file or folder name (no path)
        sa.Column("partial", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", JSONB, nullable=False),  # {added, updated, unchanged, retired, skipped, ...}
        sa.Column("skipped", JSONB, nullable=False, server_default="[]"),  # [{file, line, error}]
        sa.Column("warnings", JSONB, nullable=False, server_default="[]"),
    )


def downgrade() -> None:
    op.drop_table("kb_imports")
    op.execute("DROP TRIGGER IF EXISTS kb_escalations_rules_changed ON kb_escalations")
    op.drop_table("kb_escalations")
    op.drop_table("dir_communes")
    op.drop_table("dir_served")
    op.drop_table("dir_bodies")
    op.drop_table("kb_sheets")
    op.execute("DROP FUNCTION IF EXISTS allo_fold(text)")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS allo_fr")
    # The extensions stay: other objects of the database may use them.
