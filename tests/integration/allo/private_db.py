"""A database of its own in the session's PostgreSQL cluster, migrated to head: for tests that erase or rewrite
whole tables (retention, key rotation) without touching the rows other tests and the running service use.

`private_url_fixture` is the fixture that creates one and drops it; `emptied_engine` the engine on it that a test
starts from (its tables emptied first)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Literal

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql import Executable

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


@contextmanager
def private_database(settings: Settings, cluster: PostgresCluster, name: str) -> Iterator[str]:
    """The URL of a fresh database `name` for the time of the block, dropped after it."""
    url = create_private_database(settings, cluster, name)
    try:
        yield url
    finally:
        drop_private_database(cluster, name)


def private_name(prefix: str, module: str | None = None) -> str:
    """`prefix`, the test module's name without its `test_` (when given), and this process's id: two runs at once
    (two worktrees) never share a database."""
    middle = f"_{module.rsplit('.', 1)[-1].removeprefix('test_')}" if module else ""
    return f"{prefix}{middle}_{os.getpid()}"


def private_url_fixture(name: str, prefix: str, *, scope: Literal["session", "module"] = "module",
                        per_module: bool = False) -> Any:
    """A fixture called `name`: the URL of a private database (see private_name) for the `scope`, dropped at its
    end. Bind it to a module attribute of the same name: `kb_url = private_url_fixture("kb_url", "allo_kb")`.
    `per_module`: in a conftest, one database for each test module below it."""

    @pytest.fixture(scope=scope, name=name)
    def url(test_settings: Settings, postgres: PostgresCluster, request: pytest.FixtureRequest) -> Iterator[str]:
        module = request.module.__name__ if per_module else None
        with private_database(test_settings, postgres, private_name(prefix, module)) as found:
            yield found

    return url


@asynccontextmanager
async def emptied_engine(url: str, *clear: Executable) -> AsyncIterator[AsyncEngine]:
    """An engine on `url` after the statements `clear` ran in one transaction; disposed after the block."""
    engine = create_async_engine(url)
    try:
        if clear:
            async with engine.begin() as conn:
                for statement in clear:
                    await conn.execute(statement)
        yield engine
    finally:
        await engine.dispose()


def downgrade_to(sqlalchemy_url: str, revision: str) -> None:
    """Alembic's downgrade of a private database (blocking: run it in a thread)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = sqlalchemy_url
    config.attributes["configure_logger"] = False
    command.downgrade(config, revision)
