"""Degraded mode: what the dialplan does alone when our service cannot be reached (docs/degraded-mode.md)."""
