"""Each rule of `allo doctor` on the configuration our templates render, then broken one thing at a time."""

import secrets

import pytest
from pydantic import SecretStr

from allo.db.seed import new_sip_password, password_digest
from allo.doctor.ami_rules import check_manager
from allo.doctor.conf import parse
from allo.doctor.findings import Rule, Severity
from allo.doctor.host_rules import check_http, check_modes
from allo.doctor.pjsip_rules import check_pjsip
from allo.doctor.run import check_agents_table
from allo.settings import Settings
from allo.setup.asterisk_conf import AgentConf, QueueConf, render_files

DIRS = {"ETC_DIR": "/etc/allo/t", "MOD_DIR": "/m", "VAR_DIR": "/v", "RUN_DIR": "/r", "LOG_DIR": "/l"}
AGENTS = ("agent1001", "agent2001")


def rendered(**kw) -> dict[str, str]:
    settings = Settings(ami_secret=SecretStr(secrets.token_urlsafe(32)), **kw)
    agents = [AgentConf(name, name, password_digest(name, new_sip_password())) for name in AGENTS]
    return render_files(settings, DIRS, [QueueConf("l1")], agents)


def check(files: dict[str, str]):
    return (check_pjsip(parse("pjsip.conf", files.get))
            + check_manager(parse("manager.conf", files.get), "allo"))


def only(findings, rule: Rule, severity: Severity = Severity.ERROR):
    assert findings, "nothing reported"
    assert {(f.rule, f.severity) for f in findings} == {(rule, severity)}, [f.render() for f in findings]
    return findings


def edit(files: dict[str, str], name: str, old: str, new: str) -> dict[str, str]:
    assert old in files[name], f"{old!r} not in {name}"
    return {**files, name: files[name].replace(old, new)}


def add(files: dict[str, str], name: str, text: str) -> dict[str, str]:
    return {**files, name: files[name] + "\n" + text}


def test_the_configuration_we_render_passes_every_rule():
    assert check(rendered()) == []


def test_a_trunk_matched_by_a_small_network_or_a_host_name_passes():
    assert check(rendered(trunk_match="192.0.2.0/28,sip.operator.example")) == []


# PJSIP


def test_an_endpoint_with_neither_auth_nor_identify_is_reported():
    files = add(rendered(), "pjsip.conf", "[softphone](allo-media)\ncontext = agents\n")
    (finding,) = only(check(files), Rule.SIP_UNAUTHENTICATED)
    assert finding.where == "pjsip.conf [softphone]"
    assert "anyone who names this endpoint gets it" in finding.problem and "auth =" in finding.fix


def test_the_trunk_without_its_identify_is_reported():
    files = edit(rendered(), "pjsip.conf", "[trunk]\ntype = identify\nendpoint = trunk\n", "[trunk-id]\ntype = aor\n")
    (finding,) = only(check(files), Rule.SIP_UNAUTHENTICATED)
    assert finding.where == "pjsip.conf [trunk]"


@pytest.mark.parametrize("match", ["0.0.0.0/0", "10.0.0.0/8", "127.0.0.1,0.0.0.0/0.0.0.0", "::/0", "2001:db8::/32"])
def test_an_identify_wider_than_the_operator_is_reported(match):
    (finding,) = only(check(rendered(trunk_match=match)), Rule.SIP_IDENTIFY_WIDE)
    assert "without a password" in finding.problem and "trunk" in finding.problem


@pytest.mark.parametrize("key", ["match_header = X-Trunk: yes", "match_request_uri = 3939"])
def test_an_identify_by_something_forgeable_is_reported(key):
    files = edit(rendered(), "pjsip.conf", "match = 127.0.0.1", f"match = 127.0.0.1\n{key}")
    (finding,) = only(check(files), Rule.SIP_UNAUTHENTICATED)
    assert "anyone can forge" in finding.problem


def test_an_identify_without_match_is_reported():
    files = edit(rendered(), "pjsip.conf", "match = 127.0.0.1", "")
    (finding,) = only(check(files), Rule.SIP_UNAUTHENTICATED)
    assert finding.problem == "identify without match"


def test_an_endpoint_named_anonymous_is_reported():
    files = add(rendered(), "pjsip.conf", "[anonymous](agent-endpoint)\nauth = agent1001\n")
    (finding,) = only(check(files), Rule.SIP_ANONYMOUS)
    assert finding.where == "pjsip.conf [anonymous]"


def test_anonymous_identification_is_reported():
    files = edit(rendered(), "pjsip.conf", "endpoint_identifier_order = username,ip",
                 "endpoint_identifier_order = username,ip,anonymous")
    (finding,) = only(check(files), Rule.SIP_ANONYMOUS)
    assert "unidentified requests get an endpoint" in finding.problem


def test_unauthenticated_options_are_reported_for_each_endpoint_that_inherits_them():
    files = edit(rendered(), "pjsip.conf", "allow_subscribe = no",
                 "allow_subscribe = no\nallow_unauthenticated_options = yes")
    findings = only(check(files), Rule.SIP_UNAUTH_OPTIONS)
    assert sorted(f.where for f in findings) == [f"pjsip_agents.conf [{name}]" for name in AGENTS]


def test_an_endpoint_pointing_at_a_missing_auth_is_reported():
    files = edit(rendered(), "pjsip_agents.conf", "auth = agent1001", "auth = agent1001-typo")
    (finding,) = only(check(files), Rule.SIP_AUTH_BROKEN)
    assert finding.problem == "auth = agent1001-typo: no such auth section"


def test_an_auth_without_password_is_reported():
    files = rendered()
    digest_line = next(line for line in files["pjsip_agents.conf"].splitlines() if line.startswith("password_digest"))
    (finding,) = only(check(edit(files, "pjsip_agents.conf", digest_line, "")), Rule.SIP_AUTH_BROKEN)
    assert finding.problem == "auth section without a password" and finding.where == "pjsip_agents.conf [agent1001]"


@pytest.mark.parametrize(("password", "reason"), [
    ("agent1001", "derived from the user name"), ("1001", "derived from the user name"),
    ("agent1001123", "derived from the user name"), ("1234", "well-known default"), ("secret", "well-known default"),
])
def test_a_guessable_agent_password_is_found_from_its_digest(password, reason):
    files = rendered()
    weak = AgentConf("agent1001", "agent1001", password_digest("agent1001", password))
    good = AgentConf("agent2001", "agent2001", password_digest("agent2001", new_sip_password()))
    files = {**files, "pjsip_agents.conf": render_files(Settings(ami_secret=SecretStr("x")), DIRS, [],
                                                        [weak, good])["pjsip_agents.conf"]}
    (finding,) = only(check(files), Rule.SIP_WEAK_PASSWORD)
    assert finding.where == "pjsip_agents.conf [agent1001]" and reason in finding.problem
    assert password not in finding.render().replace("agent1001", "")


@pytest.mark.parametrize(("password", "reason"), [
    ("short-Pass1", "has 11 characters, fewer than 16"), ("0123456789012345678", "uses only digits"),
    ("agent1001-x", "user name"), ("aaaaaaaaaaaaaaaaaaaaBBB1", "repeats 3 distinct characters"),
])
def test_a_weak_plain_sip_password_is_reported(password, reason):
    files = add(rendered(), "pjsip.conf", f"[op-out]\ntype = auth\nusername = agent1001\npassword = {password}\n")
    (finding,) = only(check(files), Rule.SIP_WEAK_PASSWORD)
    assert reason in finding.problem


# AMI


@pytest.mark.parametrize("bind", ["bindaddr = 0.0.0.0", "bindaddr = 192.0.2.2", ""])
def test_ami_off_loopback_is_reported(bind):
    (finding,) = only(check(edit(rendered(), "manager.conf", "bindaddr = 127.0.0.1", bind)), Rule.AMI_BIND)
    assert "not a loopback address" in finding.problem and finding.fix.startswith("set bindaddr = 127.0.0.1")


def test_ami_over_http_is_reported():
    only(check(edit(rendered(), "manager.conf", "webenabled = no", "webenabled = yes")), Rule.AMI_HTTP)


@pytest.mark.parametrize(("secret", "reason"), [
    ("allo", "well-known default"), ("secret", "well-known default"), ("Xy7-short", "fewer than 16"),
    ("allo-Z9", "user name"), ("abcdefghijklmnopqrstuvwxyz", "only lower-case letters"), ("", "is empty"),
])
def test_a_weak_ami_secret_is_reported(secret, reason):
    files = rendered()
    current = next(line for line in files["manager.conf"].splitlines() if line.startswith("secret = "))
    (finding,) = only(check(edit(files, "manager.conf", current, f"secret = {secret}")), Rule.AMI_SECRET)
    assert finding.where == "manager.conf [allo]" and reason in finding.problem


@pytest.mark.parametrize(("acl", "problem"), [
    ("permit = 127.0.0.1/255.255.255.255", "no deny = 0.0.0.0/0.0.0.0"),
    ("deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255\npermit = 192.0.2.0/24", "permit = 192.0.2.0/24"),
    ("deny = 0.0.0.0/0.0.0.0\npermit = 0.0.0.0/0.0.0.0", "permit = 0.0.0.0/0 is not loopback"),
    ("deny = 0.0.0.0/0.0.0.0\npermit = localhost-ish", "is not an address or network"),
])
def test_an_ami_acl_that_lets_other_addresses_in_is_reported(acl, problem):
    files = edit(rendered(), "manager.conf", "deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255", acl)
    (finding,) = only(check(files), Rule.AMI_ACL)
    assert problem in finding.problem


@pytest.mark.parametrize(("line", "new", "why"), [
    ("write = call,agent,originate,system", "write = call,agent,originate,system,command", "CLI command"),
    ("write = call,agent,originate,system", "write = call,agent,originate,system,config", "rewrites configuration"),
    ("write = call,agent,originate,system", "write = all", "every class"),
    ("read = system,call,agent,user", "read = system,call,agent,user,reporting", "allo does not use it"),
])
def test_an_ami_permission_allo_does_not_use_is_reported(line, new, why):
    findings = check(edit(rendered(), "manager.conf", line, new))
    extra = [f for f in findings if f.rule is Rule.AMI_PERMISSION_EXTRA]
    assert len(extra) == 1 and why in extra[0].problem and extra[0].severity is Severity.ERROR
    # `write = all` also drops the classes allo relies on by name: that is only a warning
    assert {f.rule for f in findings} <= {Rule.AMI_PERMISSION_EXTRA, Rule.AMI_PERMISSION_MISSING}


def test_a_permission_allo_needs_but_lacks_is_a_warning():
    files = edit(rendered(), "manager.conf", "write = call,agent,originate,system", "write = call,originate,system")
    (finding,) = only(check(files), Rule.AMI_PERMISSION_MISSING, Severity.WARNING)
    assert "QueueAdd" in finding.problem


# Around Asterisk


def test_the_http_api_off_loopback_is_a_warning():
    assert check_http("127.0.0.1", cookie_secure=True) == []
    (finding,) = only(check_http("0.0.0.0", cookie_secure=False), Rule.HTTP_CLEARTEXT, Severity.WARNING)
    assert "without TLS" in finding.problem and "in clear" in finding.problem


def test_secret_files_readable_by_others_are_reported():
    assert check_modes({"/s/secrets.env": 0o100600}) == []
    (finding,) = only(check_modes({"/s/secrets.env": 0o100644, "/s/demo-agents.txt": 0o100600}), Rule.FILE_MODE)
    assert finding.where == "/s/secrets.env" and finding.problem.startswith("mode 644") and "chmod 600" in finding.fix


def test_weak_passwords_in_the_agents_table_are_reported():
    strong = [(name, password_digest(name, new_sip_password())) for name in AGENTS]
    assert check_agents_table(strong) == []
    (finding,) = only(check_agents_table([*strong, ("agent3001", password_digest("agent3001", "3001"))]),
                      Rule.SIP_WEAK_PASSWORD)
    assert finding.where == "agents table [agent3001]"
