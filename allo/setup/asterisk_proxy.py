"""Asterisk behind the SIP proxy (docs/scaling.md § Identification behind the proxy): what changes in the rendered
configuration when `sip_proxy` is set, and nothing when it is empty (`make run` renders as before).

Behind Kamailio every request comes from Kamailio's address, so Asterisk identifies by the headers Kamailio sets
(after removing any a sender put) and accepts SIP from the proxy only; advisers are reached through the proxy, which
answers the qualify OPTIONS for them (200 when registered, silence when not)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from allo.errors import ConfigError

if TYPE_CHECKING:
    from allo.settings import Settings

TRUNK_HEADER = "X-Allo-Trunk"
AGENT_HEADER = "X-Allo-Agent"
# How often a node asks the proxy whether an adviser is registered: an adviser who registers is offered calls
# within this, one who leaves stops being offered calls within this plus the qualify timeout.
QUALIFY_SECONDS = 5


def proxy_host(sip_proxy: str) -> str:
    """The proxy's address of `host:port` (an IP address: it is also the ACL)."""
    host, sep, port = sip_proxy.rpartition(":")
    try:
        ipaddress.ip_address(host)
        valid = bool(sep) and 0 < int(port) < 65536
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"ALLO_SIP_PROXY must be an IP address and a port (host:port), got {sip_proxy!r}")
    return host


def proxy_values(settings: Settings) -> dict[str, str]:
    """The placeholders of pjsip.conf, asterisk.conf and extensions.conf that differ behind a proxy or on a named
    node."""
    named = {
        "SYSTEMNAME": f"\nsystemname = {settings.node_name}" if settings.node_name else "",
        # The waiting announcement's extension is the caller's Uniqueid: <node>-<epoch>.<seq> on a named node.
        "SAY_PATTERN": "_[0-9a-z]." if settings.node_name else "_X.",
    }
    if not settings.sip_proxy:
        return {"IDENTIFIER_ORDER": "username,ip", "PROXY_ACL": "", "TRUNK_PROXY": "",
                "TRUNK_IDENTIFY": f"match = {settings.trunk_match}", **named}
    host = proxy_host(settings.sip_proxy)
    return {
        # Headers only: `username` would let a caller be an adviser by its From, `ip` would make everyone the trunk.
        "IDENTIFIER_ORDER": "header",
        "PROXY_ACL": f"\n; behind the SIP proxy: SIP from the proxy only\ndeny = 0.0.0.0/0.0.0.0\n"
                     f"permit = {host}/255.255.255.255",
        # Callbacks (callback_dial = PJSIP/trunk/sip:<number>@<trunk target>) go out through the proxy.
        "TRUNK_PROXY": f"\noutbound_proxy = sip:{settings.sip_proxy}\\;lr",
        "TRUNK_IDENTIFY": f"match_header = {TRUNK_HEADER}: yes",
        **named,
    }


def proxied_agent_sections(name: str, label: str, sip_proxy: str) -> str:
    """No Asterisk digest (the proxy authenticated the adviser); the static contact is the proxy, qualified."""
    return (f"[{name}](agent-endpoint)\naors = {name}\ncallerid = \"{label}\" <{name}>\n\n"
            f"[{name}]\ntype = identify\nendpoint = {name}\nmatch_header = {AGENT_HEADER}: {name}\n\n"
            f"[{name}](agent-aor)\ncontact = sip:{name}@{sip_proxy}\nqualify_frequency = {QUALIFY_SECONDS}\n")
