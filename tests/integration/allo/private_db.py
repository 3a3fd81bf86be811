"""A database of its own in the session's PostgreSQL cluster, migrated to head: for tests that erase or rewrite
whole tables (retention, key rotation) without touching the rows other tests and the running service use."""

from __future__ import annotations

import re

from alembic import command
from alembic.config import Config

from allo.db.migrate import ROOT, upgrade_head
from allo.settings import Settings
from allo.setup.postgres import PostgresCluster


def create_private_database(settings: Settings, cluster: PostgresCluster, name: str) -> str:
    """The SQLAlchemy URL of a fresh database `name` (dropped first if a previous run left it)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(name)
    drop_private_database(cluster, name)
    cluster.ensure_database(settings.pg_password.get_secret_value(), database=name)
    url = settings.sqlalchemy_url.rsplit("/", 1)[0] + "/" + name
    upgrade_head(url)
    return url


def drop_private_database(cluster: PostgresCluster, name: str) -> None:
    cluster.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def downgrade_to(sqlalchemy_url: str, revision: str) -> None:
    """Alembic's downgrade of a private database (blocking: run it in a thread)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = sqlalchemy_url
    config.attributes["configure_logger"] = False
    command.downgrade(config, revision)
