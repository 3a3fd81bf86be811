"""Engine construction: built by the caller from Settings, never at import time."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from allo.db.errors import failover_error
from allo.settings import Settings


def drop_after_failover(context: ExceptionContext) -> None:
    """A connection that met a failover is thrown away, not returned to the pool: one left on a demoted node would
    answer "read-only transaction" for ever (pool_pre_ping only checks that it answers). New connections go to the
    writable node (`target_session_attrs=read-write` in a multi-host ALLO_DATABASE_URL)."""
    if failover_error(context.original_exception):
        context.is_disconnect = True


def make_engine(settings: Settings, *, pool_size: int = 5) -> AsyncEngine:
    engine = create_async_engine(
        settings.sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=settings.db_write_timeout,
        connect_args={"timeout": settings.db_write_timeout, "command_timeout": 10},
    )
    event.listen(engine.sync_engine, "handle_error", drop_after_failover)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)
