"""PJSIP: no endpoint answers a stranger. Each endpoint authenticates (digest) or is the trunk, identified by the
operator's address; nobody is identified as `anonymous`; no password is guessable."""

from __future__ import annotations

import ipaddress

from allo.doctor.conf import Section, objects
from allo.doctor.findings import Finding, Rule, error
from allo.doctor.proxy_rules import check_pjsip_behind_proxy
from allo.doctor.secrets_check import weak_digest, weak_secret

FILE = "pjsip.conf"
TRUE = {"yes", "true", "on", "1", "y", "t"}
# An identify wider than this is no longer "the operator's address" (IPv4 /24, IPv6 /64).
MIN_PREFIX = {4: 24, 6: 64}
FORGEABLE = ("match_header", "match_request_uri")


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def check_pjsip(sections: list[Section], sip_proxy: str = "") -> list[Finding]:
    """`sip_proxy` (ALLO_SIP_PROXY, host:port): the node sits behind it, and the rules of allo/doctor/proxy_rules.py
    replace address identification and digest."""
    findings: list[Finding] = []
    glob = next(iter(objects(sections, "global")), None)
    order = _names(glob.get("endpoint_identifier_order")) if glob else []
    if sip_proxy:
        return check_pjsip_behind_proxy(sections, sip_proxy) + [
            f for endpoint in objects(sections, "endpoint") for f in _check_endpoint(endpoint, {}, [], proxied=True)]
    if "anonymous" in order:
        findings.append(error(Rule.SIP_ANONYMOUS, glob.where if glob else FILE,
                              "endpoint_identifier_order includes 'anonymous': unidentified requests get an endpoint",
                              "set endpoint_identifier_order = username,ip"))
    auths = {s.name: s for s in objects(sections, "auth")}
    identifies: dict[str, list[Section]] = {}
    for identify in objects(sections, "identify"):
        for name in _names(identify.get("endpoint")):
            identifies.setdefault(name, []).append(identify)
    for endpoint in objects(sections, "endpoint"):
        findings += _check_endpoint(endpoint, auths, identifies.get(endpoint.name, []))
    realm = (glob.get("default_realm") if glob else None) or "asterisk"
    for auth in auths.values():
        findings += _check_auth(auth, realm)
    return findings


def _check_endpoint(endpoint: Section, auths: dict[str, Section], identifies: list[Section], *,
                    proxied: bool = False) -> list[Finding]:
    """`proxied`: behind the proxy, only the checks that do not depend on how the endpoint is identified."""
    findings = []
    if endpoint.name == "anonymous":
        findings.append(error(Rule.SIP_ANONYMOUS, endpoint.where,
                              "an endpoint named 'anonymous' takes every request no other endpoint matches",
                              "remove this endpoint"))
    if (endpoint.get("allow_unauthenticated_options") or "").lower() in TRUE:
        findings.append(error(Rule.SIP_UNAUTH_OPTIONS, endpoint.where,
                              "allow_unauthenticated_options = yes answers OPTIONS without a challenge, "
                              "which tells scanners the endpoint exists", "remove allow_unauthenticated_options"))
    if proxied:
        return findings
    names = _names(endpoint.get("auth"))
    for name in names:
        if name not in auths:
            findings.append(error(Rule.SIP_AUTH_BROKEN, endpoint.where, f"auth = {name}: no such auth section",
                                  f"add [{name}] with type = auth, or fix the name"))
    if names:
        return findings
    if not identifies:
        return [*findings, error(Rule.SIP_UNAUTHENTICATED, endpoint.where,
                                 "no auth and no identify by address: anyone who names this endpoint gets it",
                                 "add auth = <an auth section>, or an identify with match = the trunk's address")]
    for identify in identifies:
        findings += _check_identify(identify, endpoint.name)
    return findings


def _check_identify(identify: Section, endpoint: str) -> list[Finding]:
    findings = [error(Rule.SIP_UNAUTHENTICATED, identify.where,
                      f"{key} identifies the unauthenticated endpoint {endpoint!r} by something anyone can forge",
                      f"identify {endpoint!r} by match = the trunk's address only")
                for key in FORGEABLE if identify.get(key)]
    matches = [m for value in identify.get_all("match") for m in _names(value)]
    if not matches and not findings:
        findings.append(error(Rule.SIP_UNAUTHENTICATED, identify.where, "identify without match",
                              "set match = the trunk's address"))
    for match in matches:
        try:
            network = ipaddress.ip_network(match.strip("[]"), strict=False)
        except ValueError:
            continue  # a host name: resolved by Asterisk to the operator's addresses
        if network.prefixlen < MIN_PREFIX[network.version]:
            findings.append(error(Rule.SIP_IDENTIFY_WIDE, identify.where,
                                  f"match = {match} lets {network.num_addresses} addresses in as "
                                  f"{endpoint!r} without a password",
                                  f"match only the operator's addresses (at most /{MIN_PREFIX[network.version]})"))
    return findings


def _check_auth(auth: Section, default_realm: str) -> list[Finding]:
    username = auth.get("username") or auth.name
    password, digest = auth.get("password"), auth.get("password_digest") or auth.get("md5_cred")
    if not password and not digest:
        return [error(Rule.SIP_AUTH_BROKEN, auth.where, "auth section without a password",
                      "regenerate the agent's password (PATCH /api/agents/<name> reset_password)")]
    reasons = []
    if password:
        reasons.append(weak_secret(password, username))
    if digest:
        reasons.append(weak_digest(username, auth.get("realm") or default_realm, digest))
    return [error(Rule.SIP_WEAK_PASSWORD, auth.where, f"the SIP password of {username!r} {reason}",
                  "give it a generated password (PATCH /api/agents/<name> with reset_password: true)")
            for reason in reasons if reason]
