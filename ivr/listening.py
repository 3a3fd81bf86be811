"""How long a caller listens (pure): the prompts heard, from their sound files' durations, plus the timeouts waited.

The durations are read from the sound files by an adapter (allo.setup.prompt_durations) and passed in as a mapping
name -> seconds. A prompt without a file gets an estimate from its text, and is named in `estimated`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ivr.catalogue import PromptName
from routing.survey import SURVEY_PROMPT_ANNOUNCE

# Measured on the espeak-ng prompts of allo/setup/prompts.py (137 files): 16.9 characters a second on average, but
# 11.6 and 12.3 for the two seeded menus (« Intérieur, 1. … »), which pause at every comma and digit. 11 makes an
# estimate err long, never short.
CHARS_PER_SECOND = 11.0


def estimate_seconds(text: str) -> float:
    return len(text.strip()) / CHARS_PER_SECOND


@dataclass(frozen=True)
class Listening:
    prompts_s: float  # the prompts heard, in full
    waits_s: float  # the read timeouts waited (an input "")
    estimated: tuple[str, ...] = ()  # prompts without a sound file: estimated from their text (or 0 without one)

    @property
    def seconds(self) -> float:
        return self.prompts_s + self.waits_s

    def to_json(self) -> dict[str, object]:
        return {"listening_s": round(self.seconds, 1), "listening_prompts_s": round(self.prompts_s, 1),
                "listening_waits_s": round(self.waits_s, 1), "listening_estimated": list(self.estimated)}


def listening_time(prompts: Sequence[str], waits_ms: Sequence[int], durations: Mapping[str, float],
                   texts: Mapping[str, str]) -> Listening:
    """Every prompt counted in full (a key pressed during an interruptible one cuts it short: an upper bound)."""
    total = 0.0
    estimated: list[str] = []
    for name in prompts:
        if name in durations:
            total += durations[name]
            continue
        total += estimate_seconds(texts.get(name, ""))
        if name not in estimated:
            estimated.append(name)
    return Listening(total, sum(waits_ms) / 1000, tuple(estimated))


def main_path(root_prompt: str, timeout_ms: int, replays: int,
              topical: str | None = None, survey: bool = False) -> tuple[list[str], list[int]]:
    """What a caller who presses nothing hears and waits before being queued in level 1 (open hours): the welcome,
    the topical message if any, the survey announcement if the survey is on (the sampled callers' longer path), the
    first menu and its timeout, each replay ("no choice" and the menu again, its
    timeout), the connecting prompt."""
    prompts = [PromptName.WELCOME, *([topical] if topical else []), *([SURVEY_PROMPT_ANNOUNCE] if survey else []),
               root_prompt,
               *[PromptName.NO_CHOICE, root_prompt] * replays, PromptName.CONNECTING]
    return [str(name) for name in prompts], [timeout_ms] * (replays + 1)
