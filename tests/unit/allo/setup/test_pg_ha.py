"""The pure parts of the database's formation (allo/setup/pg_ha.py); `make test-ha` runs the real one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.dialects.postgresql.asyncpg import dialect
from sqlalchemy.engine import make_url

from allo.settings import libpq_dsn
from allo.setup.pg_ha import FailoverTimeouts, NodeState, PgAutoFailover


def test_a_primary_cut_off_demotes_itself_before_its_standby_may_be_promoted():
    timeouts = FailoverTimeouts()
    assert timeouts.network_partition_timeout_s * 1000 < timeouts.primary_demote_timeout_ms
    monitor = timeouts.monitor_settings()
    assert monitor["pgautofailover.primary_demote_timeout"] == "4000"
    assert set(timeouts.keeper_settings()) == {"timeout.network_partition_timeout",
                                               "timeout.postgresql_restart_failure_timeout",
                                               "timeout.postgresql_restart_failure_max_retries"}


def test_only_a_node_that_reached_a_primary_state_takes_writes():
    assert NodeState("node1", 1, "primary", "primary").writable
    assert NodeState("node1", 1, "wait_primary", "wait_primary").writable
    assert not NodeState("node1", 1, "secondary", "secondary").writable
    assert not NodeState("node2", 2, "prepare_promotion", "wait_primary").writable  # on its way, not there
    assert not NodeState("node2", 2, "stop_replication", "wait_primary").writable


def test_allo_s_url_names_both_data_nodes_for_sqlalchemy_and_for_asyncpg():
    url = PgAutoFailover(Path("/nowhere"), 7000, (7001, 7002)).url("pw")
    assert url == ("postgresql+asyncpg://allo:pw@/allo?host=127.0.0.1:7001&host=127.0.0.1:7002"
                   "&target_session_attrs=read-write")
    _, kwargs = dialect().create_connect_args(make_url(url))
    assert kwargs["host"] == ["127.0.0.1", "127.0.0.1"] and kwargs["port"] == [7001, 7002]
    assert kwargs["target_session_attrs"] == "read-write"
    assert libpq_dsn(url) == "postgresql://allo:pw@127.0.0.1:7001,127.0.0.1:7002/allo?target_session_attrs=read-write"
