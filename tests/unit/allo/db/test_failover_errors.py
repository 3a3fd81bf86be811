"""What a promotion looks like from allo: errors to retry and connections to throw away (docs/scaling.md)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from allo.db.errors import database_away, failover_error


class _ServerError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


class TargetServerAttributeNotMatched(Exception):  # asyncpg's name: matched by name
    pass


def _wrapped(orig: BaseException) -> DBAPIError:
    return DBAPIError("INSERT", {}, orig)


def test_a_standby_or_a_server_going_away_is_a_failover_to_wait_for():
    for sqlstate in ("25006", "57P01", "57P02", "57P03", "08006"):
        assert failover_error(_wrapped(_ServerError(sqlstate))), sqlstate
        assert database_away(_wrapped(_ServerError(sqlstate))), sqlstate


def test_no_writable_host_yet_is_a_failover_even_under_a_generic_driver_error():
    adapted = RuntimeError("None of the hosts match the target attribute requirement")
    adapted.__cause__ = TargetServerAttributeNotMatched()
    assert database_away(_wrapped(adapted))


def test_errors_about_the_statement_are_not_retried():
    for sqlstate in ("23505", "22P02", "42P01"):
        assert not failover_error(_wrapped(_ServerError(sqlstate))), sqlstate
        assert not database_away(_wrapped(_ServerError(sqlstate))), sqlstate
    assert not database_away(IntegrityError("INSERT", {}, _ServerError("23505")))
    assert not failover_error(ValueError("25006"))
