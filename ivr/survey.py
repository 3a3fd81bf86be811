"""The satisfaction survey's dialogue (docs/after-call.md), over the menu's Channel: pure, no storage of its own.

Two questions by keypad: satisfaction 1 to 5, then "has your question been answered" 1 yes / 2 no. A wrong key or
silence repeats a question once, after `enquete-invalide`; then the dialogue goes on without that answer. Each valid
answer is handed to `save` at once (with every answer so far), so a hang-up keeps what was said. Hanging up is an
outcome, never an error.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from ivr.channel import Channel
from ivr.errors import CallerHungUp
from routing.survey import (
    SURVEY_PROMPT_ANSWERED,
    SURVEY_PROMPT_INVALID,
    SURVEY_PROMPT_SATISFACTION,
    SURVEY_PROMPT_THANKS,
)

SATISFACTION_KEYS = "12345"
ANSWERED_KEYS = {"1": True, "2": False}
TRIES = 2  # the question, then once more after enquete-invalide
READ_TIMEOUT_MS = 5000


class SurveyStatus(enum.StrEnum):
    NO_ANSWER = "no_answer"
    PARTIAL = "partial"
    COMPLETE = "complete"


class SurveyEnd(enum.StrEnum):
    FINISHED = "finished"  # both questions asked, thanks said
    HUNG_UP = "hung_up"


@dataclass(frozen=True)
class SurveyAnswers:
    satisfaction: int | None = None
    answered: bool | None = None

    @property
    def status(self) -> SurveyStatus:
        if self.satisfaction is not None and self.answered is not None:
            return SurveyStatus.COMPLETE
        if self.satisfaction is not None or self.answered is not None:
            return SurveyStatus.PARTIAL
        return SurveyStatus.NO_ANSWER


@dataclass
class SurveyResult:
    end: SurveyEnd
    answers: SurveyAnswers
    keys: list[str] = field(default_factory=list)  # every read, as pressed ("" for silence)


Save = Callable[[SurveyAnswers], Awaitable[None]]


async def run_survey(channel: Channel, save: Save, *, timeout_ms: int = READ_TIMEOUT_MS) -> SurveyResult:
    """Ask both questions; `save` after each valid answer. Never raises for a hang-up."""
    result = SurveyResult(SurveyEnd.FINISHED, SurveyAnswers())
    try:
        satisfaction = await _ask(channel, SURVEY_PROMPT_SATISFACTION, SATISFACTION_KEYS, timeout_ms, result.keys)
        if satisfaction is not None:
            result.answers = replace(result.answers, satisfaction=int(satisfaction))
            await save(result.answers)
        answered = await _ask(channel, SURVEY_PROMPT_ANSWERED, "".join(ANSWERED_KEYS), timeout_ms, result.keys)
        if answered is not None:
            result.answers = replace(result.answers, answered=ANSWERED_KEYS[answered])
            await save(result.answers)
        await channel.play([SURVEY_PROMPT_THANKS])
    except CallerHungUp:
        result.end = SurveyEnd.HUNG_UP
    return result


async def _ask(channel: Channel, prompt: str, valid: str, timeout_ms: int, keys: list[str]) -> str | None:
    for attempt in range(TRIES):
        key = await channel.read_digits(prompt, timeout_ms, 1)
        keys.append(key)
        if key and key in valid:
            return key
        if attempt + 1 < TRIES:
            await channel.play([SURVEY_PROMPT_INVALID])
    return None
