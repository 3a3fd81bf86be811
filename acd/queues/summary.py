"""Per-queue figures for supervisors and the wait estimate, from the live state (pure)."""

from __future__ import annotations

from acd.ami.events import DeviceState
from acd.live.state import QueueLive
from acd.queues.wait_estimate import Staffing

AT_WORK = frozenset({DeviceState.NOT_INUSE, DeviceState.INUSE, DeviceState.BUSY, DeviceState.RINGING,
                     DeviceState.RINGINUSE, DeviceState.ONHOLD})


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


def staffing(queue: QueueLive | None) -> Staffing:
    """Who works in the queue, as the wait estimate counts them."""
    members = list(queue.members.values()) if queue else []
    # A phone ringing for a caller is an adviser at work too (it used to count as nobody while it rang); so is one
    # in a call or its wrap-up (allo's wrap-up pause, docs/desk.md): they take calls again within seconds.
    working = sum(1 for m in members if m.in_wrapup or (not m.paused and (m.in_call or m.status in AT_WORK)))
    return Staffing(working=working, available=sum(1 for m in members if m.available))
