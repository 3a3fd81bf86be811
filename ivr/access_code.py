"""Asking the caller for an access code: a few attempts, checked off the event loop, never recorded in clear."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

from ivr.catalogue import PromptName
from ivr.code_limit import GateVerdict
from routing.rules import AccessCode, RulesSnapshot

CODE_ATTEMPTS = 3
CODE_TIMEOUT_MS = 10_000
CODE_MAX_DIGITS = 12
CODE_MASK = "<code>"  # what the journey records instead of the digits


class Dialog(Protocol):
    async def read(self, prompt: str, timeout_ms: int, max_digits: int) -> str: ...

    async def say(self, prompts: Sequence[str | None], *, interruptible: bool = False) -> str: ...

    def note(self, line: str) -> None: ...

    def record_input(self, value: str) -> None: ...


class CodeGuard(Protocol):
    """The bound across calls (ivr.code_limit): asked before the first try, told of each wrong code."""

    async def gate(self) -> GateVerdict: ...

    def wrong_code(self) -> None:
        """Record one wrong code (never the digits); must not block the caller."""
        ...


async def ask_access_code(dialog: Dialog, rules: RulesSnapshot, service: str,
                          on_wrong: Callable[[], None] | None = None) -> AccessCode | None:
    """The access code of `service` the caller typed, or None after `CODE_ATTEMPTS` empty or wrong ones.

    An empty or wrong code says so (and asks again while attempts remain). The digits go nowhere but
    `rules.check_code`, which runs in a thread: PBKDF2 takes milliseconds the event loop needs.
    """
    for attempt in range(1, CODE_ATTEMPTS + 1):
        digits = await dialog.read(PromptName.ACCESS_CODE, CODE_TIMEOUT_MS, CODE_MAX_DIGITS)
        dialog.record_input(CODE_MASK if digits else "")
        found = await asyncio.to_thread(rules.check_code, digits, service) if digits else None
        if found is not None:
            scope = f"sector {found.sector}" if found.sector else "every sector"
            dialog.note(f"access code accepted for {scope} (attempt {attempt}/{CODE_ATTEMPTS})")
            return found
        if digits and on_wrong is not None:
            on_wrong()
        dialog.note(f"access code {'wrong' if digits else 'not entered'} (attempt {attempt}/{CODE_ATTEMPTS})")
        retry = PromptName.CODE_RETRY if attempt < CODE_ATTEMPTS else None
        await dialog.say([PromptName.CODE_INVALID, retry])
    return None
