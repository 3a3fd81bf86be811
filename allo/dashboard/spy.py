"""Listen, whisper or barge into an agent's call from the supervisor's own softphone: AMI Originate of the
supervisor's PJSIP endpoint to the application ChanSpy on the agent's channel.

ChanSpy options (Asterisk 22): `q` quiet (no beep, no channel name spoken), `b` only a bridged call, `E` end when
the spied-on channel hangs up; then `w` whisper (the agent hears the supervisor, the caller does not) or `B` barge
(both hear the supervisor). Listen has neither.
"""

from __future__ import annotations

import enum
import re

from acd.ami.client import AmiClient
from acd.ami.event_types import AmiResponse
from acd.live.calls import ActiveCalls, ConnectedCall
from allo.errors import AlloError

ENDPOINT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
CHANNEL = re.compile(r"^PJSIP/[a-z0-9][a-z0-9_-]{0,62}-[0-9a-f]+$")
COMMON_OPTIONS = "qbE"
RING_SECONDS = 30
UNREACHABLE = frozenset({"UNAVAILABLE", "INVALID", "UNKNOWN"})


class SpyMode(enum.StrEnum):
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


MODE_OPTIONS = {SpyMode.LISTEN: "", SpyMode.WHISPER: "w", SpyMode.BARGE: "B"}


class SpyRefused(AlloError):
    """The action cannot be carried out now (no call, no extension, phone not registered)."""


def chanspy_data(agent_channel: str, mode: SpyMode) -> str:
    """ChanSpy's argument: the agent's exact channel (not a prefix that could match agent10010) and options."""
    if not CHANNEL.match(agent_channel):
        raise SpyRefused(f"unexpected agent channel {agent_channel!r}")
    return f"{agent_channel},{COMMON_OPTIONS}{MODE_OPTIONS[mode]}"


def originate_fields(extension: str, agent: str, agent_channel: str, mode: SpyMode) -> dict[str, str]:
    if not ENDPOINT.match(extension):
        raise SpyRefused(f"invalid extension {extension!r}")
    return {
        "Channel": f"PJSIP/{extension}",
        "Application": "ChanSpy",
        "Data": chanspy_data(agent_channel, mode),
        "Async": "true",
        "Timeout": str(RING_SECONDS * 1000),
        "CallerID": f'"{mode.value} {agent}" <{agent}>',
    }


def current_call(calls: ActiveCalls, agent: str) -> ConnectedCall:
    mine = [call for call in calls.calls() if call.agent == agent]
    if not mine:
        raise SpyRefused(f"agent {agent} is not on a call")
    return mine[-1]


async def phone_state(ami: AmiClient, extension: str) -> str:
    response: AmiResponse = await ami.action("Getvar", {"Variable": f"DEVICE_STATE(PJSIP/{extension})"})
    return response.fields.get("Value", "").upper()


async def spy(ami: AmiClient, calls: ActiveCalls, extension: str | None, agent: str, mode: SpyMode) -> ConnectedCall:
    """Ring the supervisor's phone; once answered it hears (and in whisper/barge mode speaks into) the call."""
    if not extension:
        raise SpyRefused("no softphone extension is configured for your account")
    call = current_call(calls, agent)
    fields = originate_fields(extension, agent, call.agent_channel, mode)
    if await phone_state(ami, extension) in UNREACHABLE:
        raise SpyRefused(f"your softphone {extension} is not registered")
    await ami.action("Originate", fields)
    return call
