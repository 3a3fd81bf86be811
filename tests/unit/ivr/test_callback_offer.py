import pytest

from acd.callbacks.types import CallbackRefusal, CallbackRefused
from ivr.callback_offer import NUMBER_MASK, ChannelDialog, OfferResult, offer_callback
from ivr.errors import CallerHungUp
from ivr.queue_prompts import QueuePrompt
from ivr.scripted import ScriptedChannel


class Booking:
    def __init__(self, refuse: CallbackRefusal | None = None) -> None:
        self.numbers: list[str] = []
        self.refuse = refuse

    async def __call__(self, phone: str) -> None:
        if self.refuse is not None:
            raise CallbackRefused(self.refuse, "no")
        self.numbers.append(phone)


async def offer(keys, own="0612345678", refuse=None, **kw):
    channel = ScriptedChannel(keys)
    dialog = ChannelDialog(channel)
    booking = Booking(refuse)
    outcome = await offer_callback(dialog, own, booking, **kw)
    return outcome, booking, dialog, channel


async def test_key_1_books_the_callers_own_number_said_by_its_last_four_digits():
    outcome, booking, dialog, channel = await offer(["1"])
    assert outcome.result is OfferResult.BOOKED and booking.numbers == ["0612345678"]
    assert channel.played[:6] == [QueuePrompt.OFFER_OWN, "allo/nombres/5", "allo/nombres/6", "allo/nombres/7",
                                  "allo/nombres/8", QueuePrompt.OFFER_OWN_KEY]
    assert QueuePrompt.BOOKED in channel.played
    # Heard by the caller, never recorded: the journey keeps a mask instead of the digits.
    assert NUMBER_MASK in dialog.prompts and not any("nombres" in p for p in dialog.prompts)


async def test_key_2_takes_another_number_read_back_and_confirmed():
    outcome, booking, dialog, channel = await offer(["2", "0198765432#", "1"])
    assert outcome.result is OfferResult.BOOKED and booking.numbers == ["0198765432"]
    assert channel.reads == [QueuePrompt.OFFER_WAIT, QueuePrompt.TYPE_NUMBER, QueuePrompt.CONFIRM]
    assert dialog.inputs == ["2", NUMBER_MASK, "1"]


async def test_an_invalid_number_is_refused_and_asked_again():
    outcome, booking, _, channel = await offer(["2", "123#", "0198765432#", "1"])
    assert outcome.result is OfferResult.BOOKED and booking.numbers == ["0198765432"]
    assert QueuePrompt.NUMBER_INVALID in channel.played


async def test_key_3_keeps_waiting_and_books_nothing():
    outcome, booking, *_ = await offer(["3"])
    assert outcome.result is OfferResult.DECLINED and booking.numbers == []


async def test_no_answer_twice_declines():
    outcome, booking, dialog, _ = await offer([])
    assert outcome.result is OfferResult.DECLINED and booking.numbers == []
    assert dialog.inputs == ["", ""]


async def test_without_a_caller_id_only_another_number_is_offered():
    outcome, booking, _, channel = await offer(["1", "2", "0198765432#", "1"], own=None)
    assert QueuePrompt.OFFER_OWN not in channel.played
    assert outcome.result is OfferResult.BOOKED and booking.numbers == ["0198765432"]


@pytest.mark.parametrize(("reason", "prompt"), [
    (CallbackRefusal.ALREADY_PENDING, QueuePrompt.ALREADY_PENDING),
    (CallbackRefusal.UNAVAILABLE, QueuePrompt.NOT_POSSIBLE),
])
async def test_a_refusal_is_said_and_the_caller_goes_back(reason, prompt):
    outcome, _, _, channel = await offer(["1"], refuse=reason)
    assert outcome.result is OfferResult.REFUSED and outcome.refusal is reason
    assert channel.played[-1] == prompt and QueuePrompt.BOOKED not in channel.played


async def test_the_menu_variant_offers_to_wait_for_an_adviser():
    *_, channel = await offer(["3"], from_menu=True)
    assert channel.reads == [QueuePrompt.OFFER_WAIT_MENU]


async def test_a_hang_up_propagates():
    with pytest.raises(CallerHungUp):
        await offer_callback(ChannelDialog(ScriptedChannel(["1"], hang_up_at=1)), "0612345678", Booking())


async def test_a_relay_call_at_the_queue_exit_waits_longer_and_is_not_offered_its_own_number():
    channel = ScriptedChannel(["", "2", ""])
    dialog = ChannelDialog(channel, input_floor_ms=20_000)
    outcome = await offer_callback(dialog, None, Booking())  # the platform's number is not offered
    assert QueuePrompt.OFFER_OWN not in channel.played
    assert channel.waited_ms[0] == 20_000 and set(channel.waited_ms) == {20_000}
    assert outcome.result is OfferResult.DECLINED
