"""manager.conf: AMI on loopback only, users with a generated secret, a loopback-only ACL and only the
permissions allo uses (allo.doctor.ami_perms)."""

from __future__ import annotations

import ipaddress

from allo.doctor.ami_perms import DANGEROUS, READ, write_classes
from allo.doctor.conf import Section, objects
from allo.doctor.findings import Finding, Rule, error, warning
from allo.doctor.secrets_check import weak_secret

FILE = "manager.conf"
TRUE = {"yes", "true", "on", "1", "y", "t"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address.lower() == "localhost"


def check_manager(sections: list[Section], ami_username: str) -> list[Finding]:
    findings: list[Finding] = []
    sections = objects(sections)
    general = next((s for s in sections if s.name == "general"), None)
    bindaddr = (general.get("bindaddr") if general else None) or "0.0.0.0"
    if not is_loopback(bindaddr):
        findings.append(error(Rule.AMI_BIND, f"{FILE} [general]", f"bindaddr is {bindaddr}, not a loopback address",
                              "set bindaddr = 127.0.0.1 (allo talks to Asterisk on the same machine)"))
    if general is not None and (general.get("webenabled") or "").lower() in TRUE:
        findings.append(error(Rule.AMI_HTTP, general.where, "webenabled = yes serves AMI over HTTP; allo never uses it",
                              "set webenabled = no"))
    users = [s for s in sections if s.name != "general"]
    for user in users:
        findings += _check_user(user, is_allo=user.name == ami_username)
    if ami_username not in {u.name for u in users}:
        findings.append(warning(Rule.AMI_PERMISSION_MISSING, FILE, f"no [{ami_username}] user: the service cannot "
                                "log in to AMI", "run `allo setup` to render manager.conf"))
    return findings


def _check_user(user: Section, *, is_allo: bool) -> list[Finding]:
    findings = []
    reason = weak_secret(user.get("secret") or "", user.name)
    if reason:
        findings.append(error(Rule.AMI_SECRET, user.where, f"the AMI secret {reason}",
                              "remove ALLO_AMI_SECRET from secrets.env and run `allo setup` (a new one is generated)"))
    findings += _check_acl(user)
    for direction, allowed in (("read", READ), ("write", write_classes())):
        granted = {c.strip().lower() for c in (user.get(direction) or "").split(",") if c.strip()}
        for extra in sorted(granted - set(allowed)):
            why = DANGEROUS.get(extra, "allo does not use it")
            findings.append(error(Rule.AMI_PERMISSION_EXTRA, user.where, f"{direction} = ... {extra}: {why}",
                                  f"{direction} = {','.join(sorted(granted & set(allowed)))}"))
        for missing in sorted(set(allowed) - granted) if is_allo else []:
            findings.append(warning(Rule.AMI_PERMISSION_MISSING, user.where,
                                    f"{direction} lacks {missing}, which allo needs for {allowed[missing]}",
                                    f"add {missing} to {direction}"))
    return findings


def _network(value: str) -> Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _check_acl(user: Section) -> list[Finding]:
    """Asterisk applies deny/permit in order, the last match winning, allowing what nothing matches."""
    rules: list[tuple[str, Network]] = []
    for key, value in user.options:
        if key in ("deny", "permit"):
            network = _network(value)
            if network is None:
                return [error(Rule.AMI_ACL, user.where, f"{key} = {value} is not an address or network",
                              "deny = 0.0.0.0/0.0.0.0 then permit = 127.0.0.1/255.255.255.255")]
            rules.append((key, network))
    fix = "deny = 0.0.0.0/0.0.0.0 then permit = 127.0.0.1/255.255.255.255"
    findings = []
    if user.get("acl"):
        findings.append(warning(Rule.AMI_ACL, user.where, f"named ACL {user.get('acl')!r} is not checked here",
                                f"use {fix} in manager.conf"))
    full_deny = [i for i, (kind, net) in enumerate(rules) if kind == "deny" and net.version == 4 and not net.prefixlen]
    if not full_deny:
        return [*findings, error(Rule.AMI_ACL, user.where, "no deny = 0.0.0.0/0.0.0.0: every address that reaches "
                                 "the AMI port may try this user's secret", fix)]
    for kind, net in rules[full_deny[-1] + 1:]:
        if kind == "permit" and not (net.network_address.is_loopback and net.broadcast_address.is_loopback):
            findings.append(error(Rule.AMI_ACL, user.where, f"permit = {net} is not loopback", fix))
    return findings
