"""What "the database is away" looks like from SQLAlchemy + asyncpg (restart, failover, exhausted pool)."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

# SQLAlchemy wraps what the driver raises; asyncpg's connect can also raise OSError (refused) or TimeoutError.
AWAY_ERRORS: tuple[type[BaseException], ...] = (sa_exc.OperationalError, sa_exc.InterfaceError,
                                                sa_exc.TimeoutError, OSError, TimeoutError)


def database_away(exc: BaseException) -> bool:
    """True when retrying later can succeed; False for errors about the statement itself (integrity, a bug)."""
    if isinstance(exc, AWAY_ERRORS):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
