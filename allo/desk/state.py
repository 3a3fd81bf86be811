"""The adviser's state document (docs/desk.md, SSE event `state`), built from the live state (pure).

A member paused with the wrap-up reason `apres-appel/<deadline>/<call>` is in wrap-up, not on a pause of their
own: `paused` is false, `wrapup` carries the call and the deadline (0 while the call still goes on).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from acd.agents import interface_of
from acd.live.state import LiveState, MemberState
from acd.wrapup import parse_wrapup_reason


class DeskStatus(enum.StrEnum):
    LOGGED_OUT = "deconnecte"
    AVAILABLE = "disponible"
    IN_CALL = "en-appel"
    PAUSED = "en-pause"
    WRAPUP = "apres-appel"


STATUS_LABELS = {DeskStatus.LOGGED_OUT: "déconnecté", DeskStatus.AVAILABLE: "disponible",
                 DeskStatus.IN_CALL: "en appel", DeskStatus.PAUSED: "en pause", DeskStatus.WRAPUP: "après-appel"}


def members_of(live: LiveState, agent: str) -> dict[str, MemberState]:
    interface = interface_of(agent)
    return {name: queue.members[interface] for name, queue in live.queues.items() if interface in queue.members}


def state_document(live: LiveState, agent: str, label: Callable[[str], str]) -> dict[str, Any]:
    """`label` gives a pause reason's French label (the reasons ops maintain; a code unknown to them as itself)."""
    members = members_of(live, agent)
    first = next(iter(members.values()), None)
    paused = bool(first and first.paused)
    reason = first.reason if first is not None and paused else ""
    wrapup = parse_wrapup_reason(reason) if paused else None
    in_call = bool(first and first.in_call) or (wrapup is not None and wrapup.deadline == 0)
    own_pause = paused and wrapup is None
    if first is None:
        status = DeskStatus.LOGGED_OUT
    elif own_pause:
        status = DeskStatus.PAUSED
    elif in_call:
        status = DeskStatus.IN_CALL
    elif wrapup is not None:
        status = DeskStatus.WRAPUP
    else:
        status = DeskStatus.AVAILABLE
    return {
        "agent": agent,
        "logged_in": first is not None,
        "queues": sorted(members),
        "status": status.value,
        "status_label": STATUS_LABELS[status],
        "paused": own_pause,
        "pause_reason": reason if own_pause else "",
        "pause_label": label(reason) if own_pause else "",
        "in_call": in_call,
        "wrapup": {"call_id": wrapup.call_id, "deadline": wrapup.deadline} if wrapup is not None else None,
        "device": first.status.name.lower() if first is not None else "logged_out",
    }


def with_call_elsewhere(document: dict[str, Any]) -> dict[str, Any]:
    """The state of an adviser in a call on another node (docs/desk.md, "Two nodes"): this node's Asterisk sees
    them free (or in the wrap-up of an earlier call); a pause of their own still shows as such."""
    if not document["logged_in"] or document["paused"]:
        return {**document, "in_call": True}
    return {**document, "in_call": True, "status": DeskStatus.IN_CALL.value,
            "status_label": STATUS_LABELS[DeskStatus.IN_CALL]}
