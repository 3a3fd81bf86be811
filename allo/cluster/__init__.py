"""Two nodes, one service (docs/scaling.md): the topology, the nodes' heartbeat, calls cut by a node loss, the launcher."""
