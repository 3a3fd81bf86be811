"""Issue 21's acceptance: a real call through Kamailio (SIPp from the operator trunk's address, sending audio)
reaches a real adviser registered to Kamailio (baresip, the adviser's seeded password: one password, set in allo),
who transfers it by SIP REFER to a sector (82, Travail) on the same node without the citizen hanging up; a second
real adviser answers there; the journey is recorded once: one calls row with its node, its legs l1 and l2-travail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from allo.settings import Settings
from allo.setup import sipp
from bench.amiwatch import Seen
from bench.load import through_proxy
from tests.cluster.cluster_kit import ClusterUnderTest
from tests.cluster.load_kit import wait_members, watching
from tests.e2e.baresip_kit import BaresipPhone, baresip_phone, wait_bridged
from tests.waiting import wait_until

pytestmark = pytest.mark.asyncio(loop_scope="function")

LEVEL1, LEVEL2 = "agent1001", "agent2001"  # agent2001 serves l2-travail (and l2-logement)
CALLER = "0656212121"
PCAP = "/usr/share/sip-tester/g711a.pcap"  # PCMA audio from sip-tester, sent by the citizen once answered


def citizen_with_audio(cluster: ClusterUnderTest) -> sipp.Sipp:
    text = through_proxy(sipp.citizen_scenario(sipp.parse_key_steps("1", 1500)))
    ack_end = text.index("]]>", text.index("ACK [next_url]")) + len("]]>\n  </send>\n")
    text = text[:ack_end] + f'\n  <nop><action><exec play_pcap_audio="{PCAP}" /></action></nop>\n' + text[ack_end:]
    return sipp.Sipp("citizen-audio.xml", sipp.sip_target(cluster.topology.proxy_port), {"caller": CALLER},
                     timeout_s=90, scenario_text=text, bind=cluster.topology.trunk_address)


def received_packets(channelstats: str) -> int:
    """Packets node a received on the citizen's (trunk) channel, from `pjsip show channelstats` (the receive count
    follows the codec column)."""
    for line in channelstats.splitlines():
        words = line.split()
        if any("trunk-" in w for w in words):
            codec = next(i for i, w in enumerate(words) if w in ("alaw", "ulaw", "gsm"))
            return int(words[codec + 1])
    return 0


def adviser_settings(cluster: ClusterUnderTest) -> Settings:
    """baresip_kit registers to settings.sip_port on 127.0.0.1: here, Kamailio."""
    return cluster.settings.model_copy(update={"sip_port": cluster.topology.proxy_port})


@asynccontextmanager
async def logged_in(cluster: ClusterUnderTest, *names: str) -> AsyncIterator[None]:
    headers = await asyncio.to_thread(cluster.headers, "a")
    async with httpx.AsyncClient(base_url=cluster.services["a"].base_url, headers=headers, timeout=10) as api:
        for name in names:
            reply = await api.post(f"/api/agents/{name}/login")
            assert reply.status_code == 200, reply.text
        try:
            yield
        finally:
            for name in names:
                await api.post(f"/api/agents/{name}/logout")


def _channel_of(events: list[Seen], queue: str) -> Seen | None:
    return next((e for e in events if e.name == "QueueCallerJoin" and e.fields.get("Queue") == queue
                 and e.fields.get("CallerIDNum") == CALLER), None)


async def test_a_call_through_kamailio_is_transferred_to_a_sector_and_recorded_once(
        cluster: ClusterUnderTest, tmp_path: Path) -> None:
    passwords = cluster.demo_passwords()
    settings = adviser_settings(cluster)
    async with AsyncExitStack() as stack:
        phones: dict[str, BaresipPhone] = {}
        for name in (LEVEL1, LEVEL2):
            phones[name] = await stack.enter_async_context(baresip_phone(settings, name, passwords[name]))
        await stack.enter_async_context(logged_in(cluster, LEVEL1, LEVEL2))
        assert await wait_members(cluster, "a", [LEVEL1], 15) is not None
        watches = await stack.enter_async_context(watching(cluster, "a", "b"))
        level1, level2 = phones[LEVEL1], phones[LEVEL2]
        mark1, mark2 = len(level1.events), len(level2.events)
        citizen = citizen_with_audio(cluster).start()
        try:
            answered = await level1.wait_event("CALL_ESTABLISHED", lambda e: e.get("direction") == "incoming",
                                               after=mark1, timeout=40)
            joined = _channel_of(watches["a"].events, "l1")
            assert joined is not None, "node a (the active node) took the call"
            call_id = joined.uniqueid
            assert call_id.startswith("a-"), call_id  # systemname: Uniqueids unique across the nodes
            await wait_bridged(cluster.asterisks["a"], LEVEL1)
            await level1.transfer("82")
            await level2.wait_event("CALL_ESTABLISHED", lambda e: e.get("direction") == "incoming", after=mark2,
                                    timeout=30)
            rejoined = _channel_of(watches["a"].events, "l2-travail")
            assert rejoined is not None and rejoined.uniqueid == call_id  # the citizen's own channel
            await level1.wait_event("CALL_CLOSED", lambda e: e.get("id") == answered.get("id"), after=mark1)
            stats = await asyncio.to_thread(cluster.asterisks["a"].cli, "pjsip show channelstats", 10.0, False)
            assert received_packets(stats) > 0, f"the citizen's audio reaches node a:\n{stats}"
            await level2.hangup()
            result = await asyncio.to_thread(citizen.wait, 30)
            assert result.ok, result.log  # one dialog from start to end: the citizen never hung up
        finally:
            citizen.stop()
        assert not [e for e in watches["b"].events if e.fields.get("CallerIDNum") == CALLER]

    async def recorded() -> bool:
        rows = await cluster.sql("SELECT ended_at FROM calls WHERE call_id = :id", id=call_id)
        return bool(rows) and rows[0][0] is not None

    assert await wait_until(recorded, 15, 0.25) is not None
    calls = await cluster.sql("SELECT call_id, node, level1_agent, transferred_to, agent FROM calls WHERE "
                              "call_id = :id OR caller_hash = (SELECT caller_hash FROM calls WHERE call_id = :id)",
                              id=call_id)
    assert calls == [(call_id, "a", LEVEL1, "travail", LEVEL2)], calls
    legs = await cluster.sql("SELECT queue, agent, node FROM queue_legs WHERE call_id = :id ORDER BY joined_at",
                             id=call_id)
    assert legs == [("l1", LEVEL1, "a"), ("l2-travail", LEVEL2, "a")], legs
