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


def value_refused(exc: BaseException) -> bool:
    """True when PostgreSQL refused a value of the statement (SQLSTATE class 22, data exception: a NUL byte in a
    text, a number out of range): the request's input, not the database, is at fault. asyncpg's error reaches
    SQLAlchemy's generic DBAPIError with its SQLSTATE kept on `orig`."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, sa_exc.DBAPIError) and isinstance(sqlstate, str) and sqlstate.startswith("22")
