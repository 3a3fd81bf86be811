"""The two-node topology of docs/scaling.md as data: where Kamailio, each Asterisk and each allo listen, and the
settings each node's allo runs with. Pure: `make run-cluster` uses the fixed addresses of the contract, the tests
the same addresses with free ports (given by the caller)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROXY_ADDRESS = "127.0.0.1"
TRUNK_ADDRESS = "127.0.0.4"  # the operator trunk's source: the only one Kamailio lets in without a challenge
NODE_ADDRESSES = {"a": "127.0.0.2", "b": "127.0.0.3"}
HTTP_HOST = "127.0.0.1"
CLUSTER_DIR = "cluster"  # under the main state dir: one state dir per node, Kamailio's files


@dataclass(frozen=True)
class NodeSpec:
    """One node: an Asterisk instance and the allo beside it."""

    name: str
    address: str
    sip_port: int
    ami_port: int
    agi_port: int
    http_port: int
    rtp_start: int
    rtp_end: int
    state_dir: Path  # this node's allo: pids, watchdog.json, serve.log (secrets.env is the cluster's, linked)
    asterisk_instance: str  # its Asterisk's config, spool and AstDB (allo/setup/asterisk.py)

    @property
    def sip_uri(self) -> str:
        return f"sip:{self.address}:{self.sip_port}"

    @property
    def http_url(self) -> str:
        return f"http://{HTTP_HOST}:{self.http_port}"


@dataclass(frozen=True)
class Topology:
    proxy_address: str
    proxy_port: int
    trunk_address: str
    trunk_port: int  # where the operator receives the calls we place (callbacks), on `trunk_address`
    nodes: tuple[NodeSpec, ...]
    state_dir: Path  # the cluster's: Kamailio's rendered config and pid live in its `kamailio/`

    @property
    def sip_proxy(self) -> str:
        """host:port of Kamailio, as the nodes' `sip_proxy` setting wants it."""
        return f"{self.proxy_address}:{self.proxy_port}"

    @property
    def trunk_target(self) -> str:
        return f"{self.trunk_address}:{self.trunk_port}"

    @property
    def kamailio_dir(self) -> Path:
        return self.state_dir / "kamailio"

    def node(self, name: str) -> NodeSpec:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node {name!r} in the topology (nodes: {', '.join(n.name for n in self.nodes)})")


def run_topology(state_dir: Path) -> Topology:
    """`make run-cluster`: the addresses and ports of docs/scaling.md's table."""
    root = state_dir / CLUSTER_DIR
    nodes = tuple(NodeSpec(name, address, 5060, 5038, 4573, 8000 + index, 20000 + 500 * index,
                           20000 + 500 * index + 499, root / name, f"node-{name}")
                  for index, (name, address) in enumerate(NODE_ADDRESSES.items()))
    return Topology(PROXY_ADDRESS, 5060, TRUNK_ADDRESS, 5060, nodes, root)


def free_port_topology(state_dir: Path, free_port: Callable[[], int], instance_prefix: str,
                       rtp_base: int = 31000) -> Topology:
    """The same addresses with free ports and Asterisk instances `<instance_prefix>-<node>` (several test
    sessions can run at once), RTP from `rtp_base`."""
    root = state_dir / CLUSTER_DIR
    nodes = tuple(NodeSpec(name, address, free_port(), free_port(), free_port(), free_port(),
                           rtp_base + 500 * index, rtp_base + 500 * index + 499, root / name,
                           f"{instance_prefix}-{name}")
                  for index, (name, address) in enumerate(NODE_ADDRESSES.items()))
    return Topology(PROXY_ADDRESS, free_port(), TRUNK_ADDRESS, free_port(), nodes, root)


def node_overrides(topology: Topology, node: NodeSpec) -> dict[str, object]:
    """The Settings fields that make one allo (and the Asterisk rendered from its settings) this node."""
    return {
        "node_name": node.name,
        "sip_proxy": topology.sip_proxy,
        "sip_bind": node.address,
        "sip_port": node.sip_port,
        "media_address": node.address,
        "ami_host": node.address,
        "ami_port": node.ami_port,
        "agi_host": node.address,
        "agi_port": node.agi_port,
        "http_host": HTTP_HOST,
        "http_port": node.http_port,
        "rtp_start": node.rtp_start,
        "rtp_end": node.rtp_end,
        "asterisk_instance": node.asterisk_instance,
        "state_dir": node.state_dir,
        # Behind the proxy every request comes from Kamailio; the trunk is told apart by the header it sets.
        "trunk_match": topology.proxy_address,
        # Callbacks are addressed to the operator trunk; the trunk endpoint's outbound proxy is Kamailio.
        "callback_dial": f"PJSIP/trunk/sip:{{number}}@{topology.trunk_target}",
        # The dispatcher's first node rings the advisers, so it also dials the callbacks while it is up.
        "callback_node": topology.nodes[0].name,
    }


def settings_env(overrides: dict[str, object]) -> dict[str, str]:
    """The same overrides as ALLO_* environment variables, for a node's `allo supervise` process."""
    return {f"ALLO_{key.upper()}": str(value) for key, value in overrides.items()}
