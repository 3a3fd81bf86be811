"""The failover tests' load: citizens through Kamailio from the trunk's address, SIPp advisers registered once to
Kamailio, both nodes' AMI events, and what became of each call (which node answered it, who served it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from allo.setup import sipp
from bench.amiwatch import AmiWatch, Seen
from bench.load import CitizenLoad, CitizenResult
from tests.cluster import proxied_sipp
from tests.cluster.cluster_kit import ClusterUnderTest
from tests.cluster.proxied_sipp import advisers_uas, register
from tests.waiting import wait_until

RATE = 3.0  # calls per second: ten times the 3939's peak, as the fault tests
TALK_MS = 500


@dataclass
class Advisers:
    names: list[str]
    port: int
    uas: sipp.Sipp
    registrations: int  # REGISTERs the advisers' phones made: all before the first load


async def start_advisers(cluster: ClusterUnderTest) -> Advisers:
    """The load's advisers register once to Kamailio (one SIPp UAS answers for all), then log in through node a's
    API: the desired state in PostgreSQL, which each node's reconciler applies to its own Asterisk."""
    port = sipp.free_port()
    proxy_port = cluster.topology.proxy_port
    for username, password in cluster.load_passwords.items():
        result = await asyncio.to_thread(register, proxy_port, username, password, port)
        assert result.ok, result.log
    uas = advisers_uas(proxy_port, port, TALK_MS).start()
    names = list(cluster.load_passwords)
    headers = await asyncio.to_thread(cluster.headers, "a")
    async with httpx.AsyncClient(base_url=cluster.services["a"].base_url, headers=headers, timeout=10) as client:
        for name in names:
            reply = await client.post(f"/api/agents/{name}/login")
            assert reply.status_code == 200, reply.text
    for node in ("a", "b"):
        took = await wait_members(cluster, node, names, 15)
        assert took is not None, f"node {node}'s Asterisk has not every adviser in l1 and available"
    return Advisers(names, port, uas, len(names))


async def wait_members(cluster: ClusterUnderTest, node: str, names: list[str], timeout: float) -> float | None:
    """Seconds until node `node`'s Asterisk has every one of `names` in l1, not paused (or None)."""
    async def present() -> bool:
        shown = await asyncio.to_thread(cluster.asterisks[node].cli, "queue show l1", 10.0, False)
        lines = {line.split()[0]: line for line in shown.splitlines() if "(PJSIP/" in line}
        return all(name in lines and "paused" not in lines[name].lower() for name in names)

    return await wait_until(present, timeout, 0.25)


@asynccontextmanager
async def watching(cluster: ClusterUnderTest, *nodes: str) -> AsyncIterator[dict[str, AmiWatch]]:
    watches = {node: cluster.ami_watch(node) for node in nodes}
    for watch in watches.values():
        await watch.start()
    try:
        yield watches
    finally:
        for watch in watches.values():
            await watch.stop()


def trunk_answered(events: list[Seen], after: float) -> list[Seen]:
    """A citizen's channel answered by this node (Newstate Up of a trunk channel) at or after `after` (epoch)."""
    return [e for e in events if e.name == "Newstate" and e.received >= after
            and e.fields.get("Channel", "").startswith("PJSIP/trunk-")]


def connected(events: list[Seen], after: float = 0.0) -> list[Seen]:
    return [e for e in events if e.name == "AgentConnect" and e.received >= after]


@dataclass
class Outcome:
    offered: int
    result: CitizenResult
    answered_by: dict[str, set[str]] = field(default_factory=dict)  # node -> caller numbers its Asterisk answered
    served_by: dict[str, set[str]] = field(default_factory=dict)  # node -> caller numbers connected to an adviser

    @property
    def served(self) -> int:
        return len(set().union(*self.served_by.values()))

    def figures(self) -> dict[str, Any]:
        return {"calls offered": self.offered,
                **{f"answered by node {n}": len(v) for n, v in sorted(self.answered_by.items())},
                **{f"connected to an adviser on node {n}": len(v) for n, v in sorted(self.served_by.items())},
                "calls connected to an adviser (either node)": self.served,
                "SIPp completed / failed": f"{self.result.succeeded} / {self.result.failed}"}


def outcome(load: CitizenLoad, result: CitizenResult, watches: dict[str, list[Seen]]) -> Outcome:
    mine = {node: [e for e in events if e.fields.get("CallerIDNum", "").startswith(load.caller_prefix)]
            for node, events in watches.items()}
    return Outcome(load.calls, result,
                   {n: {e.fields["CallerIDNum"] for e in trunk_answered(ev, 0)} for n, ev in mine.items()},
                   {n: {e.fields["CallerIDNum"] for e in connected(ev)} for n, ev in mine.items()})


def trunk_load(cluster: ClusterUnderTest, workdir: Path, seconds: float, prefix: str) -> CitizenLoad:
    return proxied_sipp.trunk_load(cluster.topology.proxy_port, cluster.topology.trunk_address, RATE, seconds,
                                   workdir / prefix, prefix)
