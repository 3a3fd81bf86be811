"""What "the database is away" looks like from SQLAlchemy + asyncpg (restart, failover, exhausted pool)."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

# SQLAlchemy wraps what the driver raises once connected; asyncpg's connect raises bare OSError (refused, or
# asyncio's "Multiple exceptions" for several addresses) or TimeoutError, which SQLAlchemy lets through.
AWAY_ERRORS: tuple[type[BaseException], ...] = (sa_exc.OperationalError, sa_exc.InterfaceError,
                                                sa_exc.TimeoutError)
DRIVER_PACKAGES = frozenset({"asyncpg", "sqlalchemy"})


def through_driver(exc: BaseException) -> bool:
    """True when the exception, or one it was raised from or while handling, passed through the database driver.

    A bare OSError or TimeoutError is the database away only if it came from there: a prompt file that cannot be
    written or an AMI action that timed out is not, and must not be answered "database unavailable".
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            module = tb.tb_frame.f_globals.get("__name__", "")
            if isinstance(module, str) and module.partition(".")[0] in DRIVER_PACKAGES:
                return True
            tb = tb.tb_next
        current = current.__cause__ or current.__context__
    return False


# During a failover (docs/scaling.md § The database) PostgreSQL answers these: the statement is fine, the server is
# not the primary (any more, or yet). 25006: read-only transaction (a connection left on a demoted node); 57P01-03:
# shut down by an administrator or a crash, cannot connect now (starting up, in recovery); class 08: connection.
FAILOVER_SQLSTATES = frozenset({"25006", "57P01", "57P02", "57P03"})
# asyncpg's answer when every host answered but none is writable (`target_session_attrs=read-write` while the
# standby is not yet promoted); SQLAlchemy reports it as a generic InternalError.
NO_PRIMARY = "TargetServerAttributeNotMatched"


def failover_error(exc: BaseException) -> bool:
    """True for what a promotion looks like from a client: no writable server now, one soon."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and (sqlstate in FAILOVER_SQLSTATES or sqlstate.startswith("08")):
            return True
        if type(current).__name__ == NO_PRIMARY:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def database_away(exc: BaseException) -> bool:
    """True when retrying later can succeed; False for errors about the statement itself (integrity, a bug) and
    for operating-system errors and timeouts that did not come from the driver."""
    if isinstance(exc, AWAY_ERRORS):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and failover_error(exc):
        return True
    if isinstance(exc, (OSError, TimeoutError)):
        return through_driver(exc)
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


def value_refused(exc: BaseException) -> bool:
    """True when PostgreSQL refused a value of the statement (SQLSTATE class 22, data exception: a NUL byte in a
    text, a number out of range): the request's input, not the database, is at fault. asyncpg's error reaches
    SQLAlchemy's generic DBAPIError with its SQLSTATE kept on `orig`."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, sa_exc.DBAPIError) and isinstance(sqlstate, str) and sqlstate.startswith("22")
