"""The callback offer: the caller confirms the number to call (their own by default) and the request is booked.

Pure over a small dialog interface (the menu engine's call, or `ChannelDialog` for the queue exit).
The number is personal data: its digits are said to the caller but recorded as "<number>" only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from acd.callbacks.types import CallbackRefusal, CallbackRefused
from ivr.catalogue import PromptName
from ivr.channel import Channel
from ivr.queue_prompts import QueuePrompt
from routing.speech import speak_digits

CHOICE_TIMEOUT_MS = 5000
NUMBER_TIMEOUT_MS = 15_000
NUMBER_MAX_DIGITS = 15
OFFER_ROUNDS = 2
NUMBER_ATTEMPTS = 3
NUMBER_MASK = "<number>"
FRENCH_NUMBER = re.compile(r"^0[1-9][0-9]{8}$")

Book = Callable[[str], Awaitable[None]]  # raises CallbackRefused


class OfferResult(enum.StrEnum):
    BOOKED = "booked"
    DECLINED = "declined"  # the caller chose to wait, or gave no usable answer
    REFUSED = "refused"  # the callback service said no (told to the caller)


@dataclass(frozen=True)
class OfferOutcome:
    result: OfferResult
    refusal: CallbackRefusal | None = None


class CallbackDialog(Protocol):
    async def read(self, prompt: str, timeout_ms: int, max_digits: int) -> str: ...

    async def say(self, prompts: Sequence[str | None], *, interruptible: bool = False) -> str: ...

    async def say_private(self, prompts: Sequence[str], *, interruptible: bool = False) -> str: ...

    def note(self, line: str) -> None: ...

    def record_input(self, value: str) -> None: ...


@dataclass
class ChannelDialog:
    """A CallbackDialog straight over a Channel, keeping what was heard and done (numbers masked)."""

    channel: Channel
    prompts: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    input_floor_ms: int = 0  # every wait for keys lasts at least this long (relay calls)

    async def read(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        digits = await self.channel.read_digits(prompt, max(timeout_ms, self.input_floor_ms), max_digits)
        self.prompts.append(prompt)
        return digits

    async def say(self, prompts: Sequence[str | None], *, interruptible: bool = False) -> str:
        names = [str(name) for name in prompts if name]
        key = await self.channel.play(names, interruptible=interruptible) if names else ""
        self.prompts.extend(names)
        return key

    async def say_private(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        key = await self.channel.play(list(prompts), interruptible=interruptible)
        self.prompts.append(NUMBER_MASK)
        return key

    def note(self, line: str) -> None:
        self.trace.append(line)

    def record_input(self, value: str) -> None:
        self.inputs.append(value)


async def offer_callback(dialog: CallbackDialog, own_number: str | None, book: Book, *,
                         from_menu: bool = False) -> OfferOutcome:
    """Offer a callback: 1 own number, 2 another number, 3 keep waiting. Booked: said, then the caller hangs up."""
    phone = await _choose_number(dialog, own_number, from_menu)
    if phone is None:
        return OfferOutcome(OfferResult.DECLINED)
    try:
        await book(phone)
    except CallbackRefused as refused:
        dialog.note(f"callback refused: {refused.reason.value}")
        await dialog.say([_REFUSAL_PROMPTS.get(refused.reason, QueuePrompt.NOT_POSSIBLE)])
        return OfferOutcome(OfferResult.REFUSED, refused.reason)
    dialog.note("callback booked")
    await dialog.say([QueuePrompt.BOOKED, PromptName.GOODBYE])
    return OfferOutcome(OfferResult.BOOKED)


_REFUSAL_PROMPTS = {
    CallbackRefusal.INVALID_NUMBER: QueuePrompt.NUMBER_INVALID,
    CallbackRefusal.ALREADY_PENDING: QueuePrompt.ALREADY_PENDING,
}


async def _choose_number(dialog: CallbackDialog, own_number: str | None, from_menu: bool) -> str | None:
    own = "".join(ch for ch in own_number or "" if ch in "0123456789")
    wait_prompt = QueuePrompt.OFFER_WAIT_MENU if from_menu else QueuePrompt.OFFER_WAIT
    for round_no in range(1, OFFER_ROUNDS + 1):
        key = ""
        if len(own) >= 4:
            key = await dialog.say([QueuePrompt.OFFER_OWN], interruptible=True)
            key = key or await dialog.say_private(speak_digits(own[-4:]), interruptible=True)
            key = key or await dialog.say([QueuePrompt.OFFER_OWN_KEY], interruptible=True)
        key = key or await dialog.say([QueuePrompt.OFFER_OTHER], interruptible=True)
        key = key or await dialog.read(wait_prompt, CHOICE_TIMEOUT_MS, 1)
        dialog.record_input(key)
        if key == "1" and len(own) >= 4:
            dialog.note("callback: own number confirmed")
            return own_number
        if key == "2":
            return await _ask_number(dialog)
        if key == "3":
            dialog.note("callback declined: keeps waiting")
            return None
        dialog.note(f"callback offer: {'invalid key' if key else 'no input'} ({round_no}/{OFFER_ROUNDS})")
        await dialog.say([PromptName.INVALID_CHOICE if key else PromptName.NO_CHOICE])
    return None


async def _ask_number(dialog: CallbackDialog) -> str | None:
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        digits = await dialog.read(QueuePrompt.TYPE_NUMBER, NUMBER_TIMEOUT_MS, NUMBER_MAX_DIGITS)
        dialog.record_input(NUMBER_MASK if digits else "")
        if not FRENCH_NUMBER.match(digits):
            dialog.note(f"callback number {'invalid' if digits else 'not typed'} ({attempt}/{NUMBER_ATTEMPTS})")
            await dialog.say([QueuePrompt.NUMBER_INVALID])
            continue
        await dialog.say([QueuePrompt.YOU_TYPED])
        await dialog.say_private(speak_digits(digits))
        key = await dialog.read(QueuePrompt.CONFIRM, CHOICE_TIMEOUT_MS, 1)
        dialog.record_input(key)
        if key == "1":
            dialog.note("callback: typed number confirmed")
            return digits
        dialog.note(f"callback number not confirmed ({attempt}/{NUMBER_ATTEMPTS})")
    return None
