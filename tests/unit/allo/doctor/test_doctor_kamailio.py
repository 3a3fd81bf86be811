"""`allo doctor` behind the SIP proxy: Kamailio's configuration as we render it passes, then broken one thing at a
time; the nodes' PJSIP in proxy mode (SIP from the proxy only, identification by its headers only)."""

import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr

from allo.db.seed import new_sip_password, password_digest
from allo.doctor.conf import parse
from allo.doctor.findings import Rule, Severity
from allo.doctor.kamailio_rules import check_kamailio
from allo.doctor.pjsip_rules import check_pjsip
from allo.settings import Settings
from allo.setup.asterisk_conf import AgentConf, QueueConf, render_files
from allo.setup.kamailio import KamailioConf, render_cfg

DIRS = {"ETC_DIR": "/etc/allo/t", "MOD_DIR": "/m", "VAR_DIR": "/v", "RUN_DIR": "/r", "LOG_DIR": "/l"}
PROXY = "127.0.0.1:5060"


def kamailio(trunk_match: str = "127.0.0.4") -> str:
    return render_cfg(KamailioConf("127.0.0.1", 5060, trunk_match, ("127.0.0.2:5060", "127.0.0.3:5060"),
                                   ("postgres://allo:pw@127.0.0.1:5432/allo",), "127.0.0.4:5060", Path("/run/k")))


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} not in the configuration"
    return text.replace(old, new)


def only(findings, rule: Rule):
    assert findings, "nothing reported"
    assert {(f.rule, f.severity) for f in findings} == {(rule, Severity.ERROR)}, [f.render() for f in findings]
    return findings


def test_the_kamailio_configuration_we_render_passes_every_rule():
    assert check_kamailio(kamailio()) == []


def test_a_register_saved_without_authorization_is_reported():
    cfg = edit(kamailio(), '''		if (!www_authorize("allo", "kamailio_subscribers")) {
			www_challenge("allo", "0");
			exit;
		}
''', "")
    (finding,) = only(check_kamailio(cfg), Rule.KAMAILIO_REGISTER_UNAUTHENTICATED)
    assert "route[ADVISER]" in finding.where


def test_an_adviser_named_to_the_nodes_without_authorization_is_reported():
    cfg = edit(kamailio(), '''	if (!proxy_authorize("allo", "kamailio_subscribers")) {
		proxy_challenge("allo", "0");
		exit;
	}
''', "")
    only(check_kamailio(cfg), Rule.KAMAILIO_UNAUTHENTICATED)


def test_a_trunk_header_added_for_anyone_is_reported():
    cfg = edit(kamailio(), 'if (is_in_subnet("$si", "127.0.0.4/32")) {', "if (true) {")
    only(check_kamailio(cfg), Rule.KAMAILIO_UNAUTHENTICATED)


def test_a_wide_trunk_network_is_reported():
    only(check_kamailio(kamailio("127.0.0.4,10.0.0.0/8")), Rule.KAMAILIO_TRUNK_WIDE)


def test_headers_not_stripped_first_are_reported():
    cfg = edit(kamailio(), 'remove_hf_re("^[Xx]-[Aa][Ll][Ll][Oo]-");', "")
    only(check_kamailio(cfg), Rule.KAMAILIO_HEADERS_KEPT)
    case_sensitive = edit(kamailio(), 'remove_hf_re("^[Xx]-[Aa][Ll][Ll][Oo]-");', 'remove_hf_re("^X-Allo-");')
    only(check_kamailio(case_sensitive), Rule.KAMAILIO_HEADERS_KEPT)  # x-allo-agent would pass


@pytest.mark.parametrize(("old", "new"), [('"ds_ping_interval", 1)', '"ds_ping_interval", 0)'),
                                          ('"ds_probing_mode", 1)', '"ds_probing_mode", 0)')])
def test_nodes_not_probed_are_reported(old, new):
    only(check_kamailio(edit(kamailio(), old, new)), Rule.KAMAILIO_PROBING_OFF)


# The node's PJSIP behind the proxy


def pjsip(**kw) -> dict[str, str]:
    settings = Settings(ami_secret=SecretStr(secrets.token_urlsafe(32)), **kw)
    agents = [AgentConf(name, name, password_digest(name, new_sip_password())) for name in ("agent1001", "agent2001")]
    return render_files(settings, DIRS, [QueueConf("l1")], agents)


def check(files: dict[str, str], proxy: str = PROXY):
    return check_pjsip(parse("pjsip.conf", files.get), proxy)


def test_the_proxied_pjsip_we_render_passes():
    assert check(pjsip(sip_proxy=PROXY)) == []


def test_the_single_node_pjsip_is_not_fit_for_a_node_behind_the_proxy():
    rules = {f.rule for f in check(pjsip())}
    assert rules == {Rule.SIP_PROXY_IDENTIFY, Rule.SIP_PROXY_ACL}


def test_identification_by_username_behind_the_proxy_is_reported():
    files = pjsip(sip_proxy=PROXY)
    files["pjsip.conf"] = edit(files["pjsip.conf"], "endpoint_identifier_order = header",
                               "endpoint_identifier_order = header,username")
    only(check(files), Rule.SIP_PROXY_IDENTIFY)


def test_an_endpoint_open_to_other_addresses_than_the_proxy_is_reported():
    files = pjsip(sip_proxy=PROXY)
    files["pjsip.conf"] = edit(files["pjsip.conf"], "permit = 127.0.0.1/255.255.255.255",
                               "permit = 127.0.0.0/255.0.0.0")
    only(check(files), Rule.SIP_PROXY_ACL)


def test_identification_by_a_header_the_proxy_does_not_strip_is_reported():
    files = pjsip(sip_proxy=PROXY)
    files["pjsip_agents.conf"] = edit(files["pjsip_agents.conf"], "match_header = X-Allo-Agent: agent1001",
                                      "match_header = X-Agent: agent1001")
    only(check(files), Rule.SIP_PROXY_IDENTIFY)
