"""Per-queue figures for supervisors and the wait estimate, from the live state (pure)."""

from __future__ import annotations

from acd.ami.events import DeviceState
from acd.live.state import QueueLive
from acd.queues.wait_estimate import Staffing

AT_WORK = frozenset({DeviceState.NOT_INUSE, DeviceState.INUSE, DeviceState.BUSY, DeviceState.RINGING,
                     DeviceState.RINGINUSE, DeviceState.ONHOLD})


def member_counts(queue: QueueLive) -> dict[str, int]:
    """Agents logged in / available / on a call / paused in one queue."""
    members = list(queue.members.values())
    return {
        "logged_in": len(members),
        "available": sum(1 for m in members if m.available),
        "on_call": sum(1 for m in members if m.in_call),
        "paused": sum(1 for m in members if m.paused),
    }


def staffing(queue: QueueLive | None) -> Staffing:
    """Who works in the queue, as the wait estimate counts them."""
    members = list(queue.members.values()) if queue else []
    # A phone ringing for a caller is an adviser at work too (it used to count as nobody while it rang).
    return Staffing(working=sum(1 for m in members if not m.paused and (m.in_call or m.status in AT_WORK)),
                    available=sum(1 for m in members if m.available))
