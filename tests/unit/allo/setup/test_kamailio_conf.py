"""Rendering Kamailio's configuration (kamailio-conf/kamailio.cfg) for given inputs, and `kamailio -c` on it."""

import shutil
from pathlib import Path

import pytest

from allo.errors import ConfigError
from allo.setup.kamailio import (
    KamailioConf,
    check_cfg,
    kamailio_db_urls,
    render_cfg,
    render_dispatcher,
    trunk_networks,
)


def conf(tmp_path: Path = Path("/run/k"), **kw: object) -> KamailioConf:
    values: dict = {"listen": "127.0.0.1", "port": 5060, "trunk_match": "127.0.0.4",
                    "nodes": ("127.0.0.2:5060", "127.0.0.3:5060"), "db_urls": ("postgres://allo:pw@127.0.0.1:5432/allo",),
                    "trunk_target": "127.0.0.4:5060", "run_dir": tmp_path, **kw}
    return KamailioConf(**values)


def test_every_placeholder_is_filled_with_the_inputs():
    cfg = render_cfg(conf(probe_interval_s=2, probing_threshold=3, inactive_threshold=4, fr_timer_ms=1500))
    assert "@@" not in cfg
    assert "listen=udp:127.0.0.1:5060" in cfg
    assert 'modparam("dispatcher", "ds_ping_interval", 2)' in cfg
    assert 'modparam("dispatcher", "ds_probing_threshold", 3)' in cfg
    assert 'modparam("dispatcher", "ds_inactive_threshold", 4)' in cfg
    assert 'modparam("tm", "fr_timer", 1500)' in cfg
    assert 'modparam("auth_db", "db_url", "postgres://allo:pw@127.0.0.1:5432/allo")' in cfg
    assert 'is_in_subnet("$si", "127.0.0.4/32")' in cfg
    assert '$rd == "127.0.0.4" && $rp == 5060' in cfg


def test_the_dispatcher_set_puts_the_first_node_first_with_priority_and_failover():
    cfg = render_cfg(conf())
    assert 'ds_select_dst("1", "8")' in cfg  # algorithm 8: by priority
    assert "ds_next_dst()" in cfg and 'ds_mark_dst("ip")' in cfg
    lines = render_dispatcher(conf()).splitlines()[1:]
    assert lines == ["1 sip:127.0.0.2:5060 0 2 node=0", "1 sip:127.0.0.3:5060 0 1 node=1"]


def test_advisers_authenticate_against_the_stored_ha1_of_the_view():
    cfg = render_cfg(conf())
    assert 'www_authorize("allo", "kamailio_subscribers")' in cfg
    assert 'proxy_authorize("allo", "kamailio_subscribers")' in cfg
    assert 'modparam("auth_db", "calculate_ha1", 0)' in cfg
    assert 'modparam("auth_db", "password_column", "ha1")' in cfg
    assert 'append_hf("X-Allo-Agent: $au\\r\\n")' in cfg
    # X-Allo-* of the sender are removed before anything is added.
    assert cfg.index('remove_hf_re("^[Xx]-[Aa][Ll][Ll][Oo]-")') < cfg.index('append_hf("X-Allo-Trunk: yes')


def test_a_busy_adviser_is_refused_486_and_an_unregistered_one_is_not_qualified():
    cfg = render_cfg(conf())
    assert 'modparam("dialog", "profiles_with_value", "adviser")' in cfg
    assert 'sl_send_reply("486", "Busy Here")' in cfg
    assert 'set_dlg_profile("adviser", "$var(agent)")' in cfg
    assert 'if (registered("location"))' in cfg


@pytest.mark.parametrize(("match", "nets"), [("127.0.0.4", "127.0.0.4/32"),
                                             ("192.0.2.0/28, 198.51.100.7", "192.0.2.0/28,198.51.100.7/32")])
def test_trunk_match_reads_like_allo_trunk_match(match, nets):
    assert trunk_networks(match) == nets


@pytest.mark.parametrize("match", ["", "trunk.example.org", "127.0.0.4,operator"])
def test_a_trunk_match_kamailio_cannot_use_is_refused(match):
    with pytest.raises(ConfigError, match="trunk match"):
        trunk_networks(match)


@pytest.mark.parametrize("field", [{"nodes": ()}, {"nodes": ("node-a:5060",)}, {"trunk_target": "127.0.0.4"},
                                   {"db_urls": ('postgres://a"b@h/db',)}, {"db_urls": ()},
                                   {"db_urls": tuple(f"postgres://a@h{n}/db" for n in range(10))}])
def test_bad_inputs_are_refused(field):
    with pytest.raises(ConfigError):
        render_cfg(conf(**field))


def test_the_db_url_comes_from_allos_dsn():
    assert kamailio_db_urls("postgresql://allo:Pw_-x9@127.0.0.1:5433/allo") == (
        "postgres://allo:Pw_-x9@127.0.0.1:5433/allo",)
    with pytest.raises(ConfigError):
        kamailio_db_urls("postgresql:///allo?host=/run/postgresql")
    with pytest.raises(ConfigError):
        kamailio_db_urls("postgresql://allo:pw@127.0.0.1:5433,/allo")
    with pytest.raises(ConfigError, match="password"):
        kamailio_db_urls("postgresql://allo:p%2Fw@127.0.0.1:5433/allo")


def test_a_multi_host_dsn_gives_every_host_in_its_order():
    """pg_auto_failover's pair (make run-cluster): db_postgres knows one host, so each becomes a connection."""
    dsn = "postgresql://allo:pw@127.0.0.1:55443,127.0.0.1:55444/allo?target_session_attrs=read-write"
    assert kamailio_db_urls(dsn) == ("postgres://allo:pw@127.0.0.1:55443/allo", "postgres://allo:pw@127.0.0.1:55444/allo")


def test_one_database_host_is_used_directly():
    cfg = render_cfg(conf())
    assert 'loadmodule "db_cluster.so"' not in cfg
    assert 'modparam("auth_db", "db_url", "postgres://allo:pw@127.0.0.1:5432/allo")' in cfg
    assert 'modparam("db_postgres", "timeout", 2)' in cfg


def test_several_database_hosts_are_a_db_cluster_read_in_their_order():
    urls = ("postgres://allo:pw@127.0.0.1:55443/allo", "postgres://allo:pw@127.0.0.1:55444/allo")
    cfg = render_cfg(conf(db_urls=urls))
    assert 'modparam("auth_db", "db_url", "cluster://allo")' in cfg
    assert 'modparam("db_cluster", "connection", "pg0=>postgres://allo:pw@127.0.0.1:55443/allo")' in cfg
    assert 'modparam("db_cluster", "connection", "pg1=>postgres://allo:pw@127.0.0.1:55444/allo")' in cfg
    assert 'modparam("db_cluster", "cluster", "allo=>pg0=9s9s;pg1=8s8s")' in cfg  # serial: the first that answers
    assert cfg.index('loadmodule "db_postgres.so"') < cfg.index('loadmodule "db_cluster.so"') \
        < cfg.index('modparam("auth_db", "db_url"')


@pytest.mark.skipif(shutil.which("kamailio") is None and not Path("/usr/sbin/kamailio").exists(),
                    reason="Kamailio not installed (scripts/system-deps.sh installs it)")
def test_kamailio_accepts_the_rendered_configuration(tmp_path):
    (tmp_path / "dispatcher.list").write_text(render_dispatcher(conf(tmp_path)))
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(render_cfg(conf(tmp_path)))
    check_cfg(cfg)


@pytest.mark.skipif(shutil.which("kamailio") is None and not Path("/usr/sbin/kamailio").exists(),
                    reason="Kamailio not installed (scripts/system-deps.sh installs it)")
def test_kamailio_accepts_the_rendered_configuration_with_a_db_cluster(tmp_path):
    urls = ("postgres://allo:pw@127.0.0.1:55443/allo", "postgres://allo:pw@127.0.0.1:55444/allo")
    (tmp_path / "dispatcher.list").write_text(render_dispatcher(conf(tmp_path, db_urls=urls)))
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(render_cfg(conf(tmp_path, db_urls=urls)))
    check_cfg(cfg)
