"""Two nodes, one service (docs/scaling.md): topology, heartbeat, calls cut by a node loss, launcher."""
