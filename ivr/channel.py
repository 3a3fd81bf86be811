"""The small interface the menu engine drives; the AGI adapter implements it for real calls."""

from __future__ import annotations

from typing import Protocol


class Channel(Protocol):
    async def play(self, prompt: str) -> bool:
        """Play a prompt of the catalogue; False if the sound could not be played (the call goes on)."""
        ...

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """Play `prompt` and collect up to `max_digits` DTMF digits; "" when nothing was pressed."""
        ...

    async def set_variable(self, name: str, value: str) -> None: ...
