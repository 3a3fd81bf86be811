"""PJSIP of a node behind the SIP proxy (ALLO_SIP_PROXY, docs/scaling.md): SIP from the proxy only, identification
by the X-Allo-* headers the proxy sets (after removing the sender's) and by nothing a caller writes itself."""

from __future__ import annotations

import ipaddress

from allo.doctor.conf import Section, objects
from allo.doctor.findings import Finding, Rule, error

PROXY_HEADERS = ("x-allo-trunk", "x-allo-agent")  # the headers Kamailio removes from senders and sets itself
ALL = {ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")}


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    address, _, mask = value.partition("/")
    try:
        return ipaddress.ip_network(f"{address}/{mask}" if mask else address, strict=False)
    except ValueError:
        return None


def check_pjsip_behind_proxy(sections: list[Section], sip_proxy: str) -> list[Finding]:
    proxy = sip_proxy.rpartition(":")[0]
    findings: list[Finding] = []
    glob = next(iter(objects(sections, "global")), None)
    order = _names(glob.get("endpoint_identifier_order")) if glob else []
    if order != ["header"]:
        findings.append(error(Rule.SIP_PROXY_IDENTIFY, glob.where if glob else "pjsip.conf",
                              f"endpoint_identifier_order = {','.join(order) or '(default)'} behind the proxy: "
                              "every request comes from the proxy, so `ip` takes everyone for the trunk and "
                              "`username` takes a caller for the adviser named in its From",
                              "set endpoint_identifier_order = header"))
    for endpoint in objects(sections, "endpoint"):
        findings += _check_acl(endpoint, proxy)
    for identify in objects(sections, "identify"):
        findings += _check_identify(identify)
    return findings


def _check_acl(endpoint: Section, proxy: str) -> list[Finding]:
    denies = [_network(v) for v in endpoint.get_all("deny")]
    permits = [_network(v) for v in endpoint.get_all("permit")]
    proxy_net = _network(proxy)
    if endpoint.get("acl") or not any(d in ALL for d in denies) or not permits or any(
            p is None or p.num_addresses != 1 or p != proxy_net for p in permits):
        return [error(Rule.SIP_PROXY_ACL, endpoint.where,
                      f"SIP is not accepted from the proxy ({proxy}) only: anyone reaching the node could set the "
                      "headers the proxy sets", f"deny = 0.0.0.0/0.0.0.0 and permit = {proxy}/255.255.255.255 on "
                      "every endpoint (allo renders them when ALLO_SIP_PROXY is set)")]
    return []


def _check_identify(identify: Section) -> list[Finding]:
    findings = []
    if identify.get("match") or identify.get("match_request_uri"):
        findings.append(error(Rule.SIP_PROXY_IDENTIFY, identify.where,
                              "identify by address or request URI behind the proxy: every request comes from the "
                              "proxy, and the URI is written by the caller",
                              "identify by match_header = X-Allo-Trunk: yes or X-Allo-Agent: <adviser> only"))
    header = (identify.get("match_header") or "").partition(":")[0].strip().lower()
    if header and header not in PROXY_HEADERS:
        findings.append(error(Rule.SIP_PROXY_IDENTIFY, identify.where,
                              f"match_header on {header!r}, which the proxy does not remove from callers: anyone "
                              "can write it", "identify by X-Allo-Trunk or X-Allo-Agent only"))
    return findings
