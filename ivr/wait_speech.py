"""The announcement a caller hears before waiting: position, estimated wait, exit key (pure)."""

from __future__ import annotations

from ivr.queue_prompts import QueuePrompt
from routing.speech import number_prompt

MAX_SPOKEN = 59  # allo/nombres/N exist up to 59


def wait_announcement(position: int, estimate_s: int | None) -> list[str]:
    """"Votre appel est en position 3. Temps d'attente estimé : environ 6 minutes. ... tapez 9."."""
    prompts: list[str] = []
    if position == 1:
        prompts.append(QueuePrompt.NEXT)
    elif 1 < position <= MAX_SPOKEN:
        prompts += [QueuePrompt.POSITION, number_prompt(position)]
    if estimate_s is not None:
        minutes = max(1, round(estimate_s / 60))
        if minutes == 1:
            prompts.append(QueuePrompt.ONE_MINUTE)
        elif minutes <= MAX_SPOKEN:
            prompts += [QueuePrompt.ESTIMATE, number_prompt(minutes), QueuePrompt.MINUTES]
        else:
            prompts.append(QueuePrompt.OVER_AN_HOUR)
    prompts.append(QueuePrompt.EXIT_KEY)
    return [str(name) for name in prompts]
