"""SIPp behind Kamailio, the one home of the parties the cluster tests put on the SIP path: citizens from the
operator trunk's address (one call, or a load), advisers registered to the proxy (answering, or transferring by
REFER), each scenario made to follow the proxy's Record-Route (RFC 3261 §12: in-dialog requests carry the route
set, answers echo Record-Route).

Without this, a citizen's ACK and INFO would go to the proxy with no Route header and be dropped, and an adviser's
200 OK without Record-Route would let Asterisk send the BYE around the proxy (its dialog profile would stay busy).
The citizen's scenario and load are the bench's (bench/load.py: `through_proxy`, `CitizenLoad`)."""

from __future__ import annotations

from pathlib import Path

from allo.cluster.topology import TRUNK_ADDRESS
from allo.setup import sipp
from bench.load import CitizenLoad, through_proxy

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
ADVISER_SCENARIO = "agent-answer-proxy.xml"  # an adviser's phone behind the proxy: answers, talks, hangs up


def with_headers(scenario: str, extra_headers: str) -> str:
    """The citizen scenario with `extra_headers` (lines ending in a newline) in its INVITE."""
    return scenario.replace("      Subject: allo test\n", f"      Subject: allo test\n{extra_headers}", 1)


def trunk_citizen(proxy_port: int, *, caller: str = "0612345678", keys: str = "", hang_up_after_ms: int | None = None,
                  extra_headers: str = "", source: str = TRUNK_ADDRESS, timeout_s: int = 90) -> sipp.Sipp:
    """A citizen calling 3939 from `source` (the trunk's address by default) through the proxy,
    pressing `keys`, staying until the far end hangs up, or hanging up after `hang_up_after_ms`."""
    steps = sipp.parse_key_steps(keys, 1500) if keys else []
    base = "citizen.xml" if hang_up_after_ms is None else "citizen-hangup.xml"
    text = through_proxy(with_headers(sipp.citizen_scenario(steps, base), extra_headers))
    keys_of = {"caller": caller, **({"listen_ms": str(hang_up_after_ms)} if hang_up_after_ms is not None else {})}
    return sipp.Sipp(base, sipp.sip_target(proxy_port), keys_of, timeout_s=timeout_s, scenario_text=text,
                     bind=source)


def trunk_load(proxy_port: int, trunk_address: str, rate: float, seconds: float, workdir: Path,
               prefix: str) -> CitizenLoad:
    """Citizens calling 3939 through the proxy from the trunk's address at `rate` for `seconds`, pressing 1, each
    from its own number (`prefix` + call number), a call lasting 20 s at most."""
    return CitizenLoad(proxy_port, "3939", rate, seconds, workdir, caller_prefix=prefix, max_call_s=20,
                       via_proxy=True, source=trunk_address)


def register(proxy_port: int, username: str, password: str, contact_port: int) -> sipp.SippResult:
    """REGISTER at the proxy with the contact on `contact_port` (one SIPp UAS answers for every adviser there)."""
    text = (sipp.SCENARIO_DIR / "agent-register.xml").read_text().replace(
        "Contact: <sip:[user]@[local_ip]:[local_port]>", f"Contact: <sip:[user]@[local_ip]:{contact_port}>")
    reg = sipp.Sipp("agent-register.xml", sipp.sip_target(proxy_port), {"user": username, "expires": "3600"},
                    extra=["-au", username, "-ap", password], timeout_s=15, scenario_text=text)
    return reg.run()


def proxied_adviser(proxy_port: int, port: int, *, talk_ms: int = 1000, calls: int = 1, timeout_s: int = 90,
                    bind: str = "127.0.0.1", extra: list[str] | None = None) -> sipp.Sipp:
    """An adviser's phone registered to the proxy from `port`, answering `calls` calls relayed by the proxy, each
    talking `talk_ms`, then hanging up through it."""
    return sipp.Sipp(ADVISER_SCENARIO, sipp.sip_target(proxy_port), {"talk_ms": str(talk_ms)}, calls=calls,
                     port=port, timeout_s=timeout_s, scenario_text=(SCENARIOS / ADVISER_SCENARIO).read_text(),
                     bind=bind, extra=extra or [])


def advisers_uas(proxy_port: int, port: int, talk_ms: int) -> sipp.Sipp:
    """One SIPp answering for every adviser registered with the contact on `port`, for as long as a test lasts."""
    return proxied_adviser(proxy_port, port, talk_ms=talk_ms, calls=1_000_000, timeout_s=3600,
                           extra=["-max_socket", "1024"])


def _refer_via_proxy(scenario: str) -> str:
    """The stock REFER scenario as a phone behind a record-routing proxy plays it."""
    text = scenario.replace('<recv request="INVITE" crlf="true">', '<recv request="INVITE" crlf="true" rrs="true">', 1)
    text = text.replace("      [last_Via:]\n", "      [last_Via:]\n      [last_Record-Route:]\n", 1)  # the INVITE's 200
    for method in ("REFER", "BYE"):
        text = text.replace(f"{method} [$contact_uri] SIP/2.0", f"{method} [$contact_uri] SIP/2.0\n      [routes]")
    # Kamailio's workers may relay Asterisk's two NOTIFYs (sent back to back) in either order: the final one is
    # not always the second (the test checks the transfer on the node instead).
    return text.replace('check_it="true" assign_to="final"', 'assign_to="final"')


def proxied_adviser_refer(proxy_port: int, port: int, number: str, *, talk_ms: int = 1500) -> sipp.Sipp:
    """An adviser registered to the proxy from `port` who answers one call, then blind-transfers it by SIP REFER to
    `number` (docs/transfers.md); the REFER and the BYE go through the proxy."""
    text = _refer_via_proxy((sipp.SCENARIO_DIR / "agent-refer.xml").read_text())
    return sipp.Sipp("agent-refer.xml", sipp.sip_target(proxy_port), {"talk_ms": str(talk_ms), "refer_to": number},
                     port=port, timeout_s=60, scenario_text=text)
