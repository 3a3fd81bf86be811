"""What a caller hears when a service is closed: which one, the exceptional message, its hours, the website."""

from __future__ import annotations

from collections.abc import Callable

from ivr.catalogue import PromptName
from routing.calendar_types import Calendar
from routing.route import ClosedInfo
from routing.rules import RulesSnapshot


def closed_message(
    rules: RulesSnapshot, closed: ClosedInfo, speak_hours: Callable[[Calendar], tuple[list[str], str]]
) -> list[str]:
    """The prompts of the closed message for `closed` (said in one go, not interruptible)."""
    level1 = closed.service == rules.level1_service
    prompts: list[str] = [PromptName.SERVICE_CLOSED if level1 else PromptName.SPECIALIST_CLOSED]
    if closed.message_prompt:
        prompts.append(closed.message_prompt)
    calendar = rules.calendars.get(closed.calendar)
    if calendar is not None:
        prompts.extend(speak_hours(calendar)[0])
    prompts.append(PromptName.WEBSITE)
    return prompts
