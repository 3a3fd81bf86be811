"""The announcement a caller hears before waiting: position, estimated wait, exit key (pure)."""

from __future__ import annotations

from ivr.queue_prompts import QueuePrompt
from routing.speech import number_prompt

MAX_SPOKEN = 59  # allo/nombres/N exist up to 59
# The announcement is said before the caller joins the queue and lasts ~6 s: a caller expected to be answered
# sooner than this would only be held back by it (and told "about one minute" for a few seconds' wait).
SHORT_WAIT_S = 30


def wait_announcement(position: int, estimate_s: int | None) -> list[str]:
    """"Votre appel est en position 3. Temps d'attente estimé : environ 6 minutes. ... tapez 9."; nothing when
    the estimated wait is under SHORT_WAIT_S (no estimate: nobody could answer, the position is still said)."""
    if estimate_s is not None and estimate_s < SHORT_WAIT_S:
        return []
    return repeated_announcement(position, estimate_s)


def repeated_announcement(position: int, estimate_s: int | None) -> list[str]:
    """Said every `announce_frequency` seconds while the caller waits: the position, the estimate (fresh; left out
    under SHORT_WAIT_S or with nobody working) and the exit key."""
    prompts = position_prompts(position)
    if estimate_s is not None and estimate_s >= SHORT_WAIT_S:
        prompts += estimate_prompts(estimate_s)
    return [str(name) for name in [*prompts, QueuePrompt.EXIT_KEY]]


def position_prompts(position: int) -> list[str]:
    if position == 1:
        return [QueuePrompt.NEXT]
    if 1 < position <= MAX_SPOKEN:
        return [QueuePrompt.POSITION, number_prompt(position)]
    return []


def estimate_prompts(estimate_s: int) -> list[str]:
    minutes = max(1, round(estimate_s / 60))
    if minutes == 1:
        return [QueuePrompt.ONE_MINUTE]
    if minutes <= MAX_SPOKEN:
        return [QueuePrompt.ESTIMATE, number_prompt(minutes), QueuePrompt.MINUTES]
    return [QueuePrompt.OVER_AN_HOUR]


def entry_offer_speech(over_s: int | None, estimate_s: int | None) -> list[str]:
    """Said before the offer at entry ("Pour être rappelé, tapez 9 ; pour patienter, tapez 1."): "L'attente est
    estimée à plus de 10 minutes." when the estimate is over the queue's threshold of `over_s` seconds, else
    (too many callers waiting) the estimate as at join, or "L'attente est importante." without one."""
    if over_s is not None:
        minutes = over_s // 60
        if minutes <= 1:
            return [QueuePrompt.LONG_OVER_ONE]
        if minutes <= MAX_SPOKEN:
            return [QueuePrompt.LONG_OVER, number_prompt(minutes), QueuePrompt.MINUTES]
        return [QueuePrompt.OVER_AN_HOUR]
    return [str(p) for p in estimate_prompts(estimate_s)] if estimate_s is not None else [QueuePrompt.LONG]
