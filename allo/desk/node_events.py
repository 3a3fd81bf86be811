"""The desk events one node tells the others (docs/desk.md, "Two nodes"): a call connected to an adviser, its end,
a change of its notes (their text is read from PostgreSQL by the node that shows them, never carried).

Carried by `NOTIFY allo_desk` (a payload must stay under 8000 bytes: these are ~200). Pure: encoding, and the
reading of a payload, which ignores this node's own notifications and anything it does not understand.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass

from allo.desk.pop import PopOrigin, PopRequest

CHANNEL = "allo_desk"
VERSION = 1
MAX_PAYLOAD = 7999


class NodeEventKind(enum.StrEnum):
    CONNECTED = "connected"  # a call connected to the adviser on that node: the others' desks pop it
    ENDED = "ended"  # that call ended there (with the wrap-up deadline that node's Asterisk holds)
    NOTES = "notes"  # a note on the call changed there (`agent`: its author's, not told again): read them here


@dataclass(frozen=True, slots=True)
class NodeEvent:
    node: str
    kind: NodeEventKind
    agent: str
    call_id: str
    queue: str = ""
    waited_s: int | None = None
    origin: str = "queue"
    at: float = 0.0  # wall time the node received the AMI event
    wrapup_deadline: int | None = None

    def pop_request(self, now_wall: float) -> PopRequest:
        """The screen-pop to build here for a call connected on that node."""
        try:
            origin = PopOrigin(self.origin)
        except ValueError:
            origin = PopOrigin.QUEUE
        return PopRequest(self.call_id, self.agent, self.queue, self.waited_s, origin, self.at or now_wall)

    def payload(self) -> str:
        document = {"v": VERSION, **{k: v for k, v in asdict(self).items() if v not in (None, "")}}
        return json.dumps(document, separators=(",", ":"))


def read_event(payload: str, own_node: str) -> NodeEvent | None:
    """The event another node published; None for this node's own, a newer version's or a garbled payload."""
    try:
        data = json.loads(payload)
        if not isinstance(data, dict) or data.get("v") != VERSION or data.get("node") in (None, own_node):
            return None
        waited, deadline = data.get("waited_s"), data.get("wrapup_deadline")
        kind, agent = NodeEventKind(data["kind"]), str(data.get("agent", ""))  # a note's author may be no adviser
        if not agent and kind is not NodeEventKind.NOTES:
            return None
        return NodeEvent(node=str(data["node"]), kind=kind, agent=agent,
                         call_id=str(data["call_id"]), queue=str(data.get("queue", "")),
                         waited_s=int(waited) if waited is not None else None,
                         origin=str(data.get("origin", "queue")), at=float(data.get("at", 0.0)),
                         wrapup_deadline=int(deadline) if deadline is not None else None)
    except (ValueError, KeyError, TypeError):
        return None
