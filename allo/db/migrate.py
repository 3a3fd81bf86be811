"""Run Alembic migrations programmatically (used by `allo setup` and the test fixtures)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]


def upgrade_head(sqlalchemy_url: str, revision: str = "head") -> None:
    """Migrate to `revision` (the latest by default; tests of a data migration stop just before it)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = sqlalchemy_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)
