"""The failover tests' load: citizens through Kamailio from the trunk's address, SIPp advisers registered once to
Kamailio, both nodes' AMI events, and what became of each call (which node answered it, who served it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from allo.setup import sipp
from bench.amiwatch import AmiWatch, Seen
from bench.load import CitizenResult
from tests.cluster.cluster_kit import ClusterUnderTest
from tests.cluster.proxied_sipp import TrunkLoad, advisers_uas, register

RATE = 3.0  # calls per second: ten times the 3939's peak, as the fault tests
TALK_MS = 500


@dataclass
class Advisers:
    names: list[str]
    port: int
    uas: sipp.Sipp
    registrations: int  # REGISTERs the advisers' phones made: all before the first load


async def start_advisers(cluster: ClusterUnderTest) -> Advisers:
    """The load's advisers register once to Kamailio (one SIPp UAS answers for all), then join l1 on both nodes."""
    port = sipp.free_port()
    proxy_port = cluster.topology.proxy_port
    for username, password in cluster.load_passwords.items():
        result = await asyncio.to_thread(register, proxy_port, username, password, port)
        assert result.ok, result.log
    uas = advisers_uas(proxy_port, port, TALK_MS).start()
    for node in ("a", "b"):
        await join_l1(cluster, node, list(cluster.load_passwords))
    return Advisers(list(cluster.load_passwords), port, uas, len(cluster.load_passwords))


async def join_l1(cluster: ClusterUnderTest, node: str, names: list[str]) -> None:
    """QueueAdd on one node (already there is fine: AstDB restored it)."""
    settings = cluster.node_settings(node)
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_username,
                    settings.ami_secret.get_secret_value())
    await ami.start()
    try:
        await ami.wait_ready(15)
        for name in names:
            try:
                await ami.queue_add("l1", f"PJSIP/{name}", name)
            except AmiActionFailed as exc:
                if "already there" not in exc.response.message.lower():
                    raise
    finally:
        await ami.stop()


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


def outcome(load: TrunkLoad, result: CitizenResult, watches: dict[str, list[Seen]]) -> Outcome:
    mine = {node: [e for e in events if e.fields.get("CallerIDNum", "").startswith(load.prefix)]
            for node, events in watches.items()}
    return Outcome(load.calls, result,
                   {n: {e.fields["CallerIDNum"] for e in trunk_answered(ev, 0)} for n, ev in mine.items()},
                   {n: {e.fields["CallerIDNum"] for e in connected(ev)} for n, ev in mine.items()})


def trunk_load(cluster: ClusterUnderTest, workdir: Path, seconds: float, prefix: str) -> TrunkLoad:
    return TrunkLoad(cluster.topology.proxy_port, cluster.topology.trunk_address, RATE, seconds,
                     workdir / prefix, prefix)
