import pytest

from acd.callbacks.types import CallbackRefusal, CallbackRefused
from ivr.entry_offer import EntryChoice, offer_at_entry
from ivr.errors import CallerHungUp
from ivr.queue_prompts import QueuePrompt
from ivr.scripted import ScriptedChannel

SPEECH = [QueuePrompt.LONG]


class Booking:
    def __init__(self, refuse: CallbackRefusal | None = None) -> None:
        self.numbers: list[str] = []
        self.refuse = refuse

    async def __call__(self, phone: str) -> None:
        if self.refuse is not None:
            raise CallbackRefused(self.refuse, "no")
        self.numbers.append(phone)


async def test_9_then_1_books_the_callers_own_number():
    booking = Booking()
    result = await offer_at_entry(ScriptedChannel(["9", "1"]), SPEECH, "0612345678", booking)
    assert result.choice is EntryChoice.BOOKED and booking.numbers == ["0612345678"]
    assert result.dialog.prompts[:2] == [QueuePrompt.LONG, QueuePrompt.ENTRY_OFFER]
    assert result.dialog.inputs[0] == "9" and "entry offer: callback booked" in result.dialog.trace


@pytest.mark.parametrize("keys", [["1"], [""], ["5"]])
async def test_anything_but_9_joins_the_queue(keys):
    booking = Booking()
    result = await offer_at_entry(ScriptedChannel(keys), SPEECH, "0612345678", booking)
    assert result.choice is EntryChoice.WAIT and booking.numbers == []
    assert result.dialog.inputs == [keys[0] or "-"] and "entry offer: the caller waits" in result.dialog.trace


async def test_declining_or_a_refusal_in_the_callback_dialogue_joins_the_queue():
    declined = await offer_at_entry(ScriptedChannel(["9", "3"]), SPEECH, "0612345678", Booking())
    assert declined.choice is EntryChoice.WAIT and "entry offer: callback declined" in declined.dialog.trace
    refused = await offer_at_entry(ScriptedChannel(["9", "1"]), SPEECH, "0612345678",
                                   Booking(CallbackRefusal.ALREADY_PENDING))
    assert refused.choice is EntryChoice.WAIT and "entry offer: callback refused" in refused.dialog.trace


async def test_a_hang_up_propagates():
    with pytest.raises(CallerHungUp):
        await offer_at_entry(ScriptedChannel([], hang_up_at=2), SPEECH, "0612345678", Booking())
