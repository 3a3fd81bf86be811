"""A hang-up at every possible step ends the menu with HUNG_UP and the journey as far as it went."""

import pytest

from ivr.engine import MenuOutcome
from routing.route import Route, RouteKind
from tests.unit.ivr.ivr_testkit import GENERAL_CODE, TRAVAIL_CODE, paris, run

SCENARIOS = {
    "level1": (["1"], paris(9, 10)),
    "failures": (["9", "", "*", "8"], paris(9, 10)),
    "sector menu": (["2", GENERAL_CODE, "3"], paris(9, 10)),
    "sector code": (["2", TRAVAIL_CODE], paris(9, 10)),
    "wrong codes": (["2", "1111", "", "2222"], paris(9, 10)),
    "specialist closed": (["2"], paris(10, 15)),
    "all closed": ([], paris(15, 11)),
    "info": (["3"], paris(9, 10)),
    "external": (["4"], paris(9, 10)),
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_hang_up_at_every_step(name):
    keys, at = SCENARIOS[name]
    full = await run(keys, at=at)
    assert full.result.outcome is not MenuOutcome.HUNG_UP
    steps = full.channel.operations
    assert steps >= 2
    for hang_up_at in range(1, steps + 1):
        call = await run(keys, at=at, hang_up_at=hang_up_at)
        journey = call.journey
        assert call.result.outcome is MenuOutcome.HUNG_UP, hang_up_at
        assert call.result.route == Route(RouteKind.HANGUP)
        assert call.channel.operations == hang_up_at  # nothing more was tried once the caller had gone
        # What was recorded is what the channel did, and a beginning of the whole call.
        assert journey.prompts == call.channel.played
        assert full.journey.prompts[: len(journey.prompts)] == journey.prompts
        assert full.journey.inputs[: len(journey.inputs)] == journey.inputs
        assert journey.trace[-1].startswith("caller hung up (")
        assert full.journey.trace[: len(journey.trace) - 1] == journey.trace[:-1]
        assert full.journey.menus[: len(journey.menus)] == journey.menus
        for code in (GENERAL_CODE, TRAVAIL_CODE, "1111", "2222"):
            assert code not in repr(journey) + repr(call.result)
    # One step further than the call went: nothing hangs up, the call ends as without a hang-up.
    after = await run(keys, at=at, hang_up_at=steps + 1)
    assert after.result == full.result


async def test_hang_up_during_the_welcome():
    call = await run(["1"], hang_up_at=1)
    assert call.journey.prompts == []
    assert call.journey.trace[-1] == "caller hung up (during allo/bienvenue)"
    assert call.channel.remaining == ["1"]


async def test_hang_up_while_the_code_is_awaited_records_no_code():
    call = await run(["2", GENERAL_CODE], hang_up_at=3)
    assert call.journey.inputs == ["2"]
    assert call.journey.trace[-1] == "caller hung up (waiting for keys at allo/code-acces)"


async def test_hang_up_during_the_closed_message_keeps_the_closed_info():
    call = await run([], at=paris(15, 11), hang_up_at=1)
    assert call.result.outcome is MenuOutcome.HUNG_UP
    assert call.result.closed is not None and call.result.closed.service == "general"
    assert call.journey.trace[-2] == "-> closed message, hang up"
