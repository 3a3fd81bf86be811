"""Relay platforms for deaf and hard-of-hearing callers (text, sign language, cued speech): recognising their calls.

`ALLO_RELAY_MATCH` is a comma-separated list; each entry is one of
  - an IP address or network of the SIP source (`192.0.2.10`, `192.0.2.0/28`, `2001:db8::/48`),
  - a caller number (`0144556677`, `+33144556677`: compared in French national form),
  - `to:<number>`, a number dialled on the trunk that is dedicated to relay calls (`to:0800111222`).
Pure: parsing and matching take strings; the AGI adapter passes the source address, the caller and the dialled
number it received.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Normalise = Callable[[str], str]


class RelayMatchError(ValueError):
    """An entry of ALLO_RELAY_MATCH that is neither an address, a number nor `to:<number>`."""


def _is_number(text: str) -> bool:
    digits = text[1:] if text.startswith("+") else text
    return digits.isascii() and digits.isdigit() and 3 <= len(digits) <= 20


@dataclass(frozen=True)
class RelayMatch:
    networks: tuple[IpNetwork, ...] = ()
    callers: frozenset[str] = frozenset()  # normalised
    called: frozenset[str] = frozenset()  # dialled numbers, as the trunk sends them (digits)

    @property
    def empty(self) -> bool:
        return not (self.networks or self.callers or self.called)

    def match(self, source: str | None, caller: str | None, dialled: str | None, normalise: Normalise) -> str | None:
        """Why this call is a relay call (for the trace, never the number itself), None when it is not."""
        address = _address(source)
        if address is not None:
            for network in self.networks:
                if address.version == network.version and address in network:
                    return f"SIP source in {network}"
        if caller and normalise(caller) in self.callers:
            return "relay platform's caller number"
        if dialled and dialled in self.called:
            return f"dedicated number {dialled}"
        return None


def parse_relay_match(text: str, normalise: Normalise) -> RelayMatch:
    """The entries of `text` (see the module); raises RelayMatchError naming the first bad entry."""
    networks: list[IpNetwork] = []
    callers: set[str] = set()
    called: set[str] = set()
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if entry.lower().startswith("to:"):
            number = entry[3:].strip()
            if not (number.isascii() and number.isdigit()) or not 3 <= len(number) <= 20:
                raise RelayMatchError(f"ALLO_RELAY_MATCH: {entry!r}: `to:` takes the dialled number, digits only")
            called.add(number)
        elif _is_number(entry):
            callers.add(normalise(entry))
        else:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise RelayMatchError(
                    f"ALLO_RELAY_MATCH: {entry!r} is neither an IP address or network (192.0.2.10, 192.0.2.0/28), "
                    "a caller number (0144556677, +33144556677) nor `to:<dialled number>`") from None
    return RelayMatch(tuple(networks), frozenset(callers), frozenset(called))


def _address(source: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address of `CHANNEL(pjsip,remote_addr)`: `192.0.2.10:5060`, `[2001:db8::1]:5060` or bare."""
    if not source:
        return None
    text = source.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
