"""Kamailio in front of the nodes (docs/scaling.md § Identification behind the proxy): only the trunk comes in without
authentication, advisers are authenticated before they are named to a node, nobody's X-Allo-* header reaches a node,
and the nodes are probed (else a dead node keeps receiving calls).

The configuration is read as text, block by block (`request_route`, `route[NAME]`, ...): enough for the shapes of
`kamailio-conf/kamailio.cfg` and for the mistakes that matter (an authorization removed, a header no longer stripped,
a trunk network widened, probing turned off), not a Kamailio parser."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from allo.doctor.findings import Finding, Rule, error

FILE = "kamailio.cfg"
MIN_PREFIX = {4: 24, 6: 64}  # as for PJSIP's identify: wider is no longer "the operator's addresses"
BLOCK = re.compile(r"^\s*((?:request_route|(?:failure_|onreply_|branch_)?route\[[A-Za-z0-9_]+\]))\s*\{", re.M)
SAVE = re.compile(r"\bsave\(\s*\"location\"")
REGISTER_AUTH = re.compile(r"\b(www_authorize|www_authenticate|auth_check)\(")
REQUEST_AUTH = re.compile(r"\b(proxy_authorize|proxy_authenticate|auth_check)\(")
APPEND = re.compile(r"append_hf\(\s*\"(X-Allo-[A-Za-z]+):", re.I)
STRIP = re.compile(r"remove_hf_re\(\s*\"([^\"]+)\"\s*\)")
TRUNK_TEST = re.compile(r"if\s*\(\s*is_in_subnet\(\s*\"\$si\"\s*,\s*\"([^\"]+)\"\s*\)\s*\)\s*\{")
MODPARAM = re.compile(r"modparam\(\s*\"dispatcher\"\s*,\s*\"([a-z_]+)\"\s*,\s*\"?([^\")]*)\"?\s*\)")
HEADERS = ("X-Allo-Agent", "X-Allo-Trunk", "x-allo-agent", "X-ALLO-TRUNK")


@dataclass(frozen=True)
class Block:
    name: str
    body: str  # between the braces, comments removed


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#!") else "" for line in text.splitlines())


def blocks(text: str) -> list[Block]:
    """The route blocks of a configuration, their bodies by brace matching."""
    clean = _strip_comments(text)
    found = []
    for match in BLOCK.finditer(clean):
        depth, index = 1, match.end()
        while depth and index < len(clean):
            depth += {"{": 1, "}": -1}.get(clean[index], 0)
            index += 1
        found.append(Block(match.group(1), clean[match.end():index - 1]))
    return found


def _enclosing_trunk_test(body: str, position: int) -> str | None:
    """The networks of the `if (is_in_subnet("$si", ...)) {` block that contains `position`, if any."""
    for test in TRUNK_TEST.finditer(body):
        depth, index = 1, test.end()
        while depth and index < len(body):
            depth += {"{": 1, "}": -1}.get(body[index], 0)
            index += 1
        if test.end() <= position < index:
            return test.group(1)
    return None


def check_kamailio(text: str, where: str = FILE) -> list[Finding]:
    routes = blocks(text)
    findings: list[Finding] = []
    if not any(b.name == "request_route" for b in routes):
        return [error(Rule.KAMAILIO_UNAUTHENTICATED, where, "no request_route: cannot tell who gets in",
                      "render kamailio-conf/kamailio.cfg with allo (allo/setup/kamailio.py)")]
    for block in routes:
        findings += _check_block(block, f"{where} {block.name}")
    findings += _check_strip(routes, where)
    findings += _check_probing(_strip_comments(text), where)
    return findings


def _check_block(block: Block, where: str) -> list[Finding]:
    findings = []
    for save in SAVE.finditer(block.body):
        if not REGISTER_AUTH.search(block.body[:save.start()]):
            findings.append(error(Rule.KAMAILIO_REGISTER_UNAUTHENTICATED, where,
                                  "save(\"location\") without www_authorize before it: anyone can register as an "
                                  "adviser and receive their calls",
                                  "challenge REGISTER with www_authorize(\"allo\", \"kamailio_subscribers\") first"))
    for append in APPEND.finditer(block.body):
        header = append.group(1).lower()
        if header == "x-allo-agent" and not REQUEST_AUTH.search(block.body[:append.start()]):
            findings.append(error(Rule.KAMAILIO_UNAUTHENTICATED, where,
                                  "X-Allo-Agent is added without proxy_authorize before it: a node would take "
                                  "anyone for an adviser", "authorize with proxy_authorize before naming the adviser"))
        if header == "x-allo-trunk":
            nets = _enclosing_trunk_test(block.body, append.start())
            if nets is None:
                findings.append(error(Rule.KAMAILIO_UNAUTHENTICATED, where,
                                      "X-Allo-Trunk is added outside an is_in_subnet(\"$si\", <trunk>) test: "
                                      "anyone's call would be taken for the trunk's",
                                      "add it only inside if (is_in_subnet(\"$si\", \"<the trunk's networks>\"))"))
            else:
                findings += _check_trunk_networks(nets, where)
    return findings


def _check_trunk_networks(nets: str, where: str) -> list[Finding]:
    findings = []
    for part in (p.strip() for p in nets.split(",") if p.strip()):
        try:
            network = ipaddress.ip_network(part, strict=False)
        except ValueError:
            continue
        if network.prefixlen < MIN_PREFIX[network.version]:
            findings.append(error(Rule.KAMAILIO_TRUNK_WIDE, where,
                                  f"the trunk's networks include {part}: {network.num_addresses} addresses come in "
                                  "without authentication",
                                  f"list only the operator's addresses (at most /{MIN_PREFIX[network.version]}) in "
                                  "ALLO_TRUNK_MATCH"))
    return findings


def _check_strip(routes: list[Block], where: str) -> list[Finding]:
    main = next(b for b in routes if b.name == "request_route")
    strips = [m for m in STRIP.finditer(main.body) if all(re.search(m.group(1), h) for h in HEADERS)]
    first_use = min((m.start() for m in re.finditer(r"\broute\(|append_hf\(", main.body)
                     if not _node_branch(main.body, m.start())), default=len(main.body))
    if not strips or strips[0].start() > first_use:
        return [error(Rule.KAMAILIO_HEADERS_KEPT, f"{where} request_route",
                      "X-Allo-* headers from the sender are not removed first: a caller could name themself the "
                      "trunk or an adviser to a node", 'remove_hf_re("^[Xx]-[Aa][Ll][Ll][Oo]-") at the top of '
                      "request_route, before any header is added or route called")]
    return []


def _node_branch(body: str, position: int) -> bool:
    """Inside `if (ds_is_from_list(...)) { ... }`: requests from the nodes, which set the headers themselves."""
    for test in re.finditer(r"if\s*\(\s*ds_is_from_list\([^)]*\)\s*\)\s*\{", body):
        depth, index = 1, test.end()
        while depth and index < len(body):
            depth += {"{": 1, "}": -1}.get(body[index], 0)
            index += 1
        if test.end() <= position < index:
            return True
    return False


def _check_probing(text: str, where: str) -> list[Finding]:
    params = dict(MODPARAM.findall(text))
    interval = params.get("ds_ping_interval", "0").strip()
    mode = params.get("ds_probing_mode", "0").strip()
    if not interval.isdigit() or int(interval) <= 0 or mode not in {"1", "3"}:
        return [error(Rule.KAMAILIO_PROBING_OFF, where,
                      f"the nodes are not probed (ds_ping_interval {interval}, ds_probing_mode {mode}): a dead node "
                      "keeps receiving new calls",
                      "set dispatcher's ds_ping_interval (e.g. 1) and ds_probing_mode 1 "
                      "(KamailioConf.probe_interval_s)")]
    return []
