"""The Asterisk side of a callback attempt, over AMI: originate it, read and forget its AstDB state, find its
channels, stop it. The dialplan is in asterisk-conf/extensions.conf ([allo-callback-wait], [allo-callback-dial]).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from acd.ami.event_types import UnknownEvent
from acd.ami.fields import Fields

FAMILY = "allo_cb"
WAIT_CONTEXT = "allo-callback-wait"
DIAL_CONTEXT = "allo-callback-dial"
USER_EVENT = "AlloCallback"
CALLER_ID = '"Allo Service Public" <3939>'
_LEG = re.compile(rf"^Local/(\d+)@{WAIT_CONTEXT}-[0-9a-f]+;[12]$")
_NUMBER = re.compile(r"^0\d{9}$")


def dial_string(template: str, number: str) -> str:
    """The Dial() target for a national number (validated again here: it goes into the dialplan)."""
    if not _NUMBER.match(number):
        raise ValueError("not a normalised national number")
    return template.format(number=number)


@dataclass(frozen=True)
class Origination:
    attempt_id: int
    queue: str
    position: int
    dial: str = field(repr=False)  # contains the number
    ring_seconds: int
    agent_wait_seconds: int
    priority: int = 0  # QUEUE_PRIO of the waiting leg: risen already when originated close to the deadline
    survey: bool = False  # sampled for the satisfaction survey: the citizen hears the announcement, then the survey


def attempt_of_channel(channel: str) -> int | None:
    match = _LEG.match(channel)
    return int(match.group(1)) if match else None


class CallbackAsterisk:
    def __init__(self, ami: AmiClient) -> None:
        self._ami = ami

    async def originate(self, plan: Origination) -> None:
        """Async Originate of the Local channel: one half queues for an agent, the other dials the citizen."""
        await self._ami.originate(
            f"Local/{plan.attempt_id}@{WAIT_CONTEXT}", DIAL_CONTEXT, "s",
            variables={
                "__ALLO_CALLBACK_ATTEMPT": str(plan.attempt_id),
                "ALLO_CB_QUEUE": plan.queue,
                "ALLO_CB_POSITION": str(plan.position),
                "ALLO_CB_TARGET": plan.dial,
                "ALLO_CB_RING": str(plan.ring_seconds),
                "ALLO_CB_PRIO": str(plan.priority),
                # Inherited by the citizen's channel ([allo-callback-answered], [allo-survey]).
                **({"__ALLO_SURVEY": "1"} if plan.survey else {}),
            },
            # How long the Local channel may stay unanswered, i.e. wait in the queue for an agent.
            timeout=float(plan.agent_wait_seconds), run_async=True, caller_id=CALLER_ID)

    async def states(self) -> dict[int, str]:
        """Every attempt's state in AstDB (DBGetTree of the family)."""
        try:
            events = await self._ami.list_action("DBGetTree", {"Family": FAMILY}, "DBGetTreeComplete")
        except AmiActionFailed as exc:
            if "not found" in str(exc).lower():
                return {}
            raise
        states: dict[int, str] = {}
        for event in events:
            if isinstance(event, UnknownEvent) and event.name.lower() == "dbgettreeresponse":
                view = Fields(event.fields)
                key = view.text("Key").rsplit("/", 1)[-1]
                if key.isascii() and key.isdigit():
                    states[int(key)] = view.text("Val")
        return states

    async def state(self, attempt_id: int) -> str | None:
        try:
            events = await self._ami.list_action("DBGet", {"Family": FAMILY, "Key": str(attempt_id)},
                                                 "DBGetComplete")
        except AmiActionFailed as exc:
            if "not found" in str(exc).lower():
                return None
            raise
        for event in events:
            if isinstance(event, UnknownEvent) and event.name.lower() == "dbgetresponse":
                return Fields(event.fields).text("Val")
        return None

    async def put(self, attempt_id: int, value: str) -> None:
        await self._ami.action("DBPut", {"Family": FAMILY, "Key": str(attempt_id), "Val": value})

    async def forget(self, attempt_id: int) -> None:
        with contextlib.suppress(AmiActionFailed):  # already gone
            await self._ami.action("DBDel", {"Family": FAMILY, "Key": str(attempt_id)})

    async def live_legs(self) -> dict[int, str]:
        """Attempts with a Local channel in Asterisk: attempt id -> unique id of the half waiting in the queue."""
        return {attempt: uniqueid for attempt, (_channel, uniqueid) in (await self._legs()).items()}

    async def _legs(self) -> dict[int, tuple[str, str]]:
        events = await self._ami.list_action("CoreShowChannels", None, "CoreShowChannelsComplete")
        legs: dict[int, tuple[str, str]] = {}
        for event in events:
            if isinstance(event, UnknownEvent) and event.name.lower() == "coreshowchannel":
                view = Fields(event.fields)
                channel = view.text("Channel")
                attempt = attempt_of_channel(channel)
                if attempt is not None and (attempt not in legs or channel.endswith(";2")):
                    legs[attempt] = (channel, view.text("Uniqueid"))
        return legs

    async def rise(self, attempt_ids: list[int], queue_of: dict[int, str], priority: int) -> list[int]:
        """Move the waiting legs of these attempts ahead of lower priorities at once; the ones moved."""
        legs = await self._legs()
        moved: list[int] = []
        for attempt in attempt_ids:
            leg = legs.get(attempt)
            if leg is None or not leg[0].endswith(";2"):
                continue
            try:
                # Immediate: re-placed now, not only for the next caller to join (Asterisk 16+).
                await self._ami.action("QueueChangePriorityCaller", {
                    "Queue": queue_of[attempt], "Caller": leg[0], "Priority": str(priority), "Immediate": "yes"})
            except AmiActionFailed:  # left the queue meanwhile (an agent took it): nothing to move
                continue
            moved.append(attempt)
        return moved

    async def hang_up(self, attempt_id: int) -> None:
        with contextlib.suppress(AmiActionFailed):  # no such channel: nothing to stop
            await self._ami.action("Hangup", {"Channel": f"/^Local\\/{attempt_id}@{WAIT_CONTEXT}-/"})
