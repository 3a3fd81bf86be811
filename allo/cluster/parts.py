"""What a node's allo runs for the cluster (docs/scaling.md): its heartbeat, the check of a restarted Asterisk at
every AMI (re)connection, and the node-loss sweeper (which acts in one process across the cluster). Built by the
service only when ALLO_NODE_NAME is set: a single node runs none of it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.ami.client import AmiClient
from allo.cluster.heartbeat import AsteriskWatch, Heartbeat
from allo.cluster.restart import RestartSweep
from allo.cluster.sweeper import NodeLossSweeper
from allo.metrics import Metrics
from allo.settings import Settings


class ClusterParts:
    def __init__(self, settings: Settings, engine: AsyncEngine, ami: AmiClient, metrics: Metrics) -> None:
        node = settings.node_name
        self.watch = AsteriskWatch(lambda: ami.connected)
        self.heartbeat = Heartbeat(engine, name=node, http_url=f"http://{settings.http_host}:{settings.http_port}",
                                   sip_address=f"{settings.sip_bind}:{settings.sip_port}",
                                   interval=settings.node_heartbeat_seconds, watch=self.watch,
                                   timeout=settings.db_write_timeout)
        self.restart = RestartSweep(engine, ami, node, down_for=self.watch.down_for, metrics=metrics)
        # The restart check first: it reads how long the AMI was away before the watch says "up since now".
        ami.add_resync_listener(self.restart.on_resync)
        ami.add_resync_listener(self.watch.on_resync)
        self.sweeper = NodeLossSweeper(engine, lost_after=settings.node_lost_seconds,
                                       interval=settings.node_heartbeat_seconds, metrics=metrics)

    async def start(self) -> None:
        await self.heartbeat.start()
        await self.sweeper.start()

    async def stop(self) -> None:
        await self.sweeper.stop()
        await self.restart.stop()
        await self.heartbeat.stop()
