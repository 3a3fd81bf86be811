"""Asterisk behind the SIP proxy: what the rendered configuration says when `sip_proxy` and `node_name` are set,
and that nothing changes when they are not."""

import pytest
from pydantic import SecretStr

from allo.doctor.conf import objects, parse
from allo.errors import ConfigError
from allo.settings import Settings
from allo.setup.asterisk_conf import AgentConf, QueueConf, render_files

DIRS = {"ETC_DIR": "/etc/allo/t", "MOD_DIR": "/m", "VAR_DIR": "/v", "RUN_DIR": "/r", "LOG_DIR": "/l"}
AGENTS = [AgentConf("agent1001", "Marie", "0" * 32), AgentConf("agent1002", "Paul", "1" * 32)]


def render(**kw: object) -> dict[str, str]:
    settings = Settings(ami_secret=SecretStr("s3cret-value"), **kw)
    return render_files(settings, DIRS, [QueueConf("l1")], AGENTS)


def pjsip(files: dict[str, str]) -> list:
    return parse("pjsip.conf", files.get)


def test_without_proxy_the_trunk_is_identified_by_address_and_advisers_by_digest():
    files = render(trunk_match="192.0.2.10")
    sections = pjsip(files)
    glob = objects(sections, "global")[0]
    assert glob.get("endpoint_identifier_order") == "username,ip"
    trunk_identify = next(s for s in objects(sections, "identify") if s.name == "trunk")
    assert trunk_identify.get("match") == "192.0.2.10" and trunk_identify.get("match_header") is None
    agent = next(s for s in objects(sections, "endpoint") if s.name == "agent1001")
    assert agent.get("auth") == "agent1001" and agent.get("deny") is None
    assert "systemname" not in files["asterisk.conf"]
    assert "outbound_proxy" not in files["pjsip.conf"]


def test_behind_the_proxy_identification_is_by_the_proxys_headers_only():
    sections = pjsip(render(sip_proxy="127.0.0.1:5070", trunk_match="192.0.2.10"))
    assert objects(sections, "global")[0].get("endpoint_identifier_order") == "header"
    identifies = {s.name: s for s in objects(sections, "identify")}
    assert identifies["trunk"].get("match_header") == "X-Allo-Trunk: yes"
    assert identifies["trunk"].get("match") is None
    assert identifies["agent1001"].get("match_header") == "X-Allo-Agent: agent1001"
    assert identifies["agent1002"].get("endpoint") == "agent1002"


def test_behind_the_proxy_every_endpoint_accepts_sip_from_the_proxy_only():
    sections = pjsip(render(sip_proxy="127.0.0.1:5070"))
    for endpoint in objects(sections, "endpoint"):
        assert endpoint.get_all("deny") == ["0.0.0.0/0.0.0.0"], endpoint.name
        assert endpoint.get_all("permit") == ["127.0.0.1/255.255.255.255"], endpoint.name


def test_behind_the_proxy_advisers_have_no_asterisk_digest_and_are_reached_and_qualified_through_it():
    sections = pjsip(render(sip_proxy="127.0.0.1:5070"))
    agent = next(s for s in objects(sections, "endpoint") if s.name == "agent1001")
    assert agent.get("auth") is None and agent.get("aors") == "agent1001"
    assert not objects(sections, "auth")
    aor = next(s for s in objects(sections, "aor") if s.name == "agent1001")
    assert aor.get("contact") == "sip:agent1001@127.0.0.1:5070"
    assert int(aor.get("qualify_frequency") or 0) > 0


def test_behind_the_proxy_callbacks_leave_through_it():
    files = render(sip_proxy="127.0.0.1:5070")
    trunk = next(s for s in objects(pjsip(files), "endpoint") if s.name == "trunk")
    assert trunk.get("outbound_proxy") == "sip:127.0.0.1:5070;lr"
    assert "outbound_proxy = sip:127.0.0.1:5070\\;lr" in files["pjsip.conf"]  # `;` escaped for Asterisk


def test_a_named_node_has_its_systemname_so_uniqueids_do_not_collide():
    files = render(node_name="a")
    assert "\nsystemname = a\n" in files["asterisk.conf"]
    options = files["asterisk.conf"].split("[options]")[1]
    assert "systemname = a" in options
    # The waiting announcement's extension (the caller's Uniqueid) then starts with the node's name.
    assert "[allo-queue-say]\nexten => _[0-9a-z].,1,Answer()" in files["extensions.conf"]
    assert "[allo-queue-say]\nexten => _X.,1,Answer()" in render()["extensions.conf"]


@pytest.mark.parametrize("proxy", ["kamailio:5060", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x"])
def test_a_proxy_that_is_not_an_address_and_port_is_refused(proxy):
    with pytest.raises(ConfigError, match="ALLO_SIP_PROXY"):
        render(sip_proxy=proxy)
