"""The offer at entry (pure over a Channel), said in the `ivr` route before a caller joins a queue over its
threshold (docs/queues.md).

"L'attente est estimée à plus de 10 minutes. Pour être rappelé, tapez 9 ; pour patienter, tapez 1." 9 leads
to the callback dialogue of the queue (own number, another number, keep waiting); anything else, or nothing
within the time allowed, joins the queue as usual.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ivr.callback_offer import CHOICE_TIMEOUT_MS, Book, ChannelDialog, OfferResult, offer_callback
from ivr.channel import Channel
from ivr.queue_prompts import QueuePrompt

CALLBACK_KEY = "9"


class EntryChoice(enum.StrEnum):
    BOOKED = "booked"  # the call ends: the caller has been told
    WAIT = "wait"  # pressed 1, nothing, or declined / was refused the callback: join the queue


@dataclass
class EntryOfferResult:
    choice: EntryChoice
    dialog: ChannelDialog  # what was heard and typed (numbers masked), for the journey


async def offer_at_entry(channel: Channel, speech: Sequence[str], caller_number: str | None,
                         book: Book) -> EntryOfferResult:
    """Raises CallerHungUp when the caller leaves during it."""
    dialog = ChannelDialog(channel)
    key = await dialog.say(speech, interruptible=True)
    if not key:
        key = await dialog.read(QueuePrompt.ENTRY_OFFER, CHOICE_TIMEOUT_MS, 1)
    else:
        dialog.note("entry offer: key pressed during the estimate")
    dialog.record_input(key or "-")
    if key != CALLBACK_KEY:
        dialog.note("entry offer: the caller waits")
        return EntryOfferResult(EntryChoice.WAIT, dialog)
    outcome = await offer_callback(dialog, caller_number, book)
    dialog.note(f"entry offer: callback {outcome.result.value}")
    booked = outcome.result is OfferResult.BOOKED
    return EntryOfferResult(EntryChoice.BOOKED if booked else EntryChoice.WAIT, dialog)
