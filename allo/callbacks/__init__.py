"""Callbacks: booking (menu, queue, web), the scheduler that reserves an agent then dials, reconciliation."""
