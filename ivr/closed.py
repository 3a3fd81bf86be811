"""What a caller hears when a service is closed: which one, the exceptional message, when it reopens, its hours,
the website."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ivr.catalogue import PromptName
from routing.calendar_types import Calendar
from routing.route import ClosedInfo
from routing.rules import RulesSnapshot
from routing.speech import speak_reopening


def closed_message(
    rules: RulesSnapshot, closed: ClosedInfo, speak_hours: Callable[[Calendar], tuple[list[str], str]],
    now: datetime | None = None, best_hours: Sequence[str] = (),
) -> list[str]:
    """The prompts of the closed message for `closed` (said in one go, not interruptible).

    When the next opening is known (within the calendar's horizon) and `now` (the decision's time) is given, the
    caller hears when the service reopens (« Le service rouvrira lundi à 8 heures. ») before the weekly hours.
    `best_hours` (« Les meilleurs moments pour appeler sont ... », from the measured waits) follow the reopening.
    """
    level1 = closed.service == rules.level1_service
    prompts: list[str] = [PromptName.SERVICE_CLOSED if level1 else PromptName.SPECIALIST_CLOSED]
    if closed.message_prompt:
        prompts.append(closed.message_prompt)
    if closed.next_open is not None and now is not None:
        prompts.extend(speak_reopening(closed.next_open, now)[0])
    prompts.extend(best_hours)
    calendar = rules.calendars.get(closed.calendar)
    if calendar is not None:
        prompts.extend(speak_hours(calendar)[0])
    prompts.append(PromptName.WEBSITE)
    return prompts
