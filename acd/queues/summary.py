"""Per-queue figures for supervisors, from the live state (pure)."""

from __future__ import annotations

from acd.live.state import QueueLive


def member_counts(queue: QueueLive) -> dict[str, int]:
    """Agents logged in / available / on a call / paused / in the wrap-up of a call in one queue (the wrap-up is a
    pause allo lifts, not a pause of the adviser's own: counted apart)."""
    members = list(queue.members.values())
    return {
        "logged_in": len(members),
        "available": sum(1 for m in members if m.available),
        "on_call": sum(1 for m in members if m.in_call),
        "paused": sum(1 for m in members if m.paused and not m.in_wrapup),
        "wrapup": sum(1 for m in members if m.in_wrapup),
    }
