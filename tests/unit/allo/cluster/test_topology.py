"""The two-node topology: the contract's addresses for `make run-cluster`, free ports for the tests, and the
settings that make an allo one node."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from allo.cluster.topology import (
    NODE_ADDRESSES,
    free_port_topology,
    node_overrides,
    run_topology,
    settings_env,
)
from allo.settings import Settings


def test_run_topology_is_the_contracts_table() -> None:
    topology = run_topology(Path("/srv/state"))
    assert topology.sip_proxy == "127.0.0.1:5060"
    assert topology.trunk_address == "127.0.0.4"
    a, b = topology.nodes
    assert (a.name, a.address, b.name, b.address) == ("a", "127.0.0.2", "b", "127.0.0.3")
    assert (a.sip_port, a.ami_port, a.agi_port, a.http_port) == (5060, 5038, 4573, 8000)
    assert (b.sip_port, b.ami_port, b.agi_port, b.http_port) == (5060, 5038, 4573, 8001)
    assert a.asterisk_instance != b.asterisk_instance
    assert a.state_dir != b.state_dir and a.state_dir.parent == topology.state_dir == Path("/srv/state/cluster")


def test_rtp_ranges_do_not_overlap() -> None:
    for topology in (run_topology(Path("s")), free_port_topology(Path("s"), itertools.count(12000, 2).__next__, "t1")):
        a, b = topology.nodes
        assert a.rtp_start < a.rtp_end < b.rtp_start < b.rtp_end


def test_free_port_topology_uses_each_port_once() -> None:
    topology = free_port_topology(Path("s"), itertools.count(12000, 2).__next__, "t1")
    ports = [topology.proxy_port, topology.trunk_port] + [p for n in topology.nodes
                                     for p in (n.sip_port, n.ami_port, n.agi_port, n.http_port)]
    assert len(set(ports)) == len(ports) == 10
    assert [n.address for n in topology.nodes] == list(NODE_ADDRESSES.values())


def test_node_overrides_make_valid_settings_of_that_node() -> None:
    topology = run_topology(Path("/srv/state"))
    b = topology.node("b")
    settings = Settings().model_copy(update=node_overrides(topology, b))
    assert settings.node_name == "b" and settings.sip_proxy == "127.0.0.1:5060"
    assert (settings.sip_bind, settings.media_address, settings.ami_host, settings.agi_host) == ("127.0.0.3",) * 4
    assert settings.trunk_match == "127.0.0.1"  # behind the proxy, everything arrives from Kamailio
    # addressed to the operator trunk; Kamailio is the trunk endpoint's outbound proxy (allo/setup/asterisk_proxy.py)
    assert settings.callback_dial.format(number="0612345678") == "PJSIP/trunk/sip:0612345678@127.0.0.4:5060"
    assert settings.state_dir == Path("/srv/state/cluster/b")


def test_settings_env_is_read_back_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    topology = free_port_topology(Path("/tmp/x"), itertools.count(14000, 2).__next__, "t1")
    node = topology.node("a")
    for key, value in settings_env(node_overrides(topology, node)).items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert (settings.node_name, settings.sip_port, settings.http_port) == ("a", node.sip_port, node.http_port)
    assert settings.asterisk_instance == "t1-a" and settings.rtp_start == node.rtp_start


def test_unknown_node_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no node 'c'"):
        run_topology(Path("s")).node("c")


def test_a_nodes_process_environment_carries_the_shared_database() -> None:
    from allo.cluster.launch import node_env

    topology = run_topology(Path("/srv/state"))
    url = "postgresql+asyncpg://allo:pw@/allo?host=127.0.0.1:55443&host=127.0.0.1:55444&target_session_attrs=read-write"
    env = node_env(Settings(pg_port=55499, database_url=url), topology, topology.node("a"))
    assert env["ALLO_DATABASE_URL"] == url and env["ALLO_PG_PORT"] == "55499"
    assert env["ALLO_NODE_NAME"] == "a" and env["ALLO_HTTP_PORT"] == "8000"
    assert "ALLO_DATABASE_URL" not in node_env(Settings(), topology, topology.node("b"))
