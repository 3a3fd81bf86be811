"""The satisfaction survey's share (docs/after-call.md): which calls are surveyed, decided from the call id alone.

A hash rather than a counter: the same call gets the same answer after a restart and on any node, and nothing
has to be shared between processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SURVEY_PROMPT_ANNOUNCE = "enquete-annonce"
SURVEY_PROMPT_SATISFACTION = "enquete-satisfaction"
SURVEY_PROMPT_ANSWERED = "enquete-reponse"
SURVEY_PROMPT_THANKS = "enquete-merci"
SURVEY_PROMPT_INVALID = "enquete-invalide"
DEFAULT_ONE_IN = 5


@dataclass(frozen=True)
class Survey:
    """The survey of the published rules: on or off, and one call in `one_in` (1: every call)."""

    enabled: bool = True
    one_in: int = DEFAULT_ONE_IN

    def __post_init__(self) -> None:
        if not 1 <= self.one_in <= 100:
            raise ValueError(f"one_in must be between 1 and 100, not {self.one_in}")

    def surveys(self, call_id: str) -> bool:
        return self.enabled and sampled(call_id, self.one_in)


def sampled(call_id: str, one_in: int) -> bool:
    """True for about one call id in `one_in`, always the same answer for the same id."""
    if one_in <= 1:
        return True
    digest = hashlib.blake2b(call_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % one_in == 0
