"""The menu engine. For the walking skeleton: the welcome prompt, then the decided route."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.channel import Channel
from routing.route import Decision, RouteKind


class PromptName(enum.StrEnum):
    WELCOME = "allo/bienvenue"
    CONNECTING = "allo/mise-en-relation"


@dataclass
class Journey:
    """What happened in the menu, for the call record."""

    prompts: list[str] = field(default_factory=list)
    failed_prompts: list[str] = field(default_factory=list)
    keys: str = ""


async def run_menu(channel: Channel, decide: Callable[[str], Decision], journey: Journey) -> Decision:
    """Play the welcome, decide, announce the transfer to an adviser, and return the decision."""
    await _play(channel, PromptName.WELCOME, journey)
    decision = decide(journey.keys)
    if decision.route.kind is RouteKind.QUEUE:
        await _play(channel, PromptName.CONNECTING, journey)
    return decision


async def _play(channel: Channel, prompt: PromptName, journey: Journey) -> None:
    if await channel.play(prompt.value):
        journey.prompts.append(prompt.value)
    else:
        journey.failed_prompts.append(prompt.value)
