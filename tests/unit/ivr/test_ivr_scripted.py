"""The scripted channel behaves like GET DATA / STREAM FILE for tests and the simulator."""

import pytest

from ivr.errors import CallerHungUp
from ivr.scripted import ScriptedChannel


async def test_entries_are_read_in_order_then_time_out():
    channel = ScriptedChannel(["1", "42#", "123456789", "7#8"])
    assert await channel.read_digits("p", 5000, 1) == "1"
    assert await channel.read_digits("p", 5000, 12) == "42"
    assert await channel.read_digits("p", 5000, 4) == "1234"
    assert await channel.read_digits("p", 5000, 12) == "7"
    assert await channel.read_digits("p", 5000, 12) == ""
    assert channel.reads == ["p"] * 5
    assert channel.remaining == []


async def test_play_records_and_never_interrupts():
    channel = ScriptedChannel(["1"], missing={"b"})
    assert await channel.play(["a", "b", "c"], interruptible=True) == ""
    assert channel.played == ["a", "b", "c"]
    assert channel.failed_prompts == ["b"]
    assert channel.remaining == ["1"]


async def test_hang_up_at_the_nth_operation_and_after():
    channel = ScriptedChannel(["1"], hang_up_at=3)
    await channel.play(["a"])
    await channel.set_variable("X", "1")
    with pytest.raises(CallerHungUp):
        await channel.read_digits("p", 5000, 1)
    with pytest.raises(CallerHungUp):
        await channel.play(["b"])
    assert channel.hung_up
    assert channel.played == ["a"]
    assert channel.variables == {"X": "1"}
    assert channel.remaining == ["1"]
