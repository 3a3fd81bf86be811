"""The small interface the menu engine drives; the AGI adapter implements it for real calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

DTMF_KEYS = "0123456789*#"


class Channel(Protocol):
    """A caller on the line. Every method raises `ivr.errors.CallerHungUp` once the caller has hung up."""

    @property
    def failed_prompts(self) -> Sequence[str]:
        """The prompts that could not be played so far (missing sound files): the call went on without them."""
        ...

    async def play(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        """Play the prompts in turn; when interruptible, a key stops them: it is returned ("" if none)."""
        ...

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """Play `prompt` and collect up to `max_digits` DTMF keys (Asterisk GET DATA).

        `#` ends the entry and is not returned; "" when nothing was pressed before the timeout.
        """
        ...

    async def set_variable(self, name: str, value: str) -> None: ...
