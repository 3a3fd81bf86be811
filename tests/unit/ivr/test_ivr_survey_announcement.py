"""The survey announcement: a sampled caller hears it after the welcome, on the menu's path only."""

from ivr.engine import MenuOutcome
from routing.route import Route
from tests.unit.ivr.ivr_testkit import paris, run

WELCOME, MAIN, CONNECTING, ANNOUNCE = "allo/bienvenue", "allo/menu-principal", "allo/mise-en-relation", \
    "enquete-annonce"


async def test_a_sampled_caller_hears_it_after_the_welcome_then_the_menu():
    call = await run(["1"], announce_survey=True)
    assert call.journey.prompts == [WELCOME, ANNOUNCE, MAIN, CONNECTING]
    assert call.journey.survey_announced and "survey announced" in call.journey.trace
    assert call.result.route == Route.to_queue("l1")


async def test_a_caller_not_sampled_does_not_hear_it():
    call = await run(["1"])
    assert call.journey.prompts == [WELCOME, MAIN, CONNECTING]
    assert not call.journey.survey_announced


async def test_the_line_closed_no_announcement():
    call = await run([], announce_survey=True, at=paris(8, 10))  # a Sunday
    assert call.result.outcome is MenuOutcome.CLOSED
    assert ANNOUNCE not in call.channel.played and not call.journey.survey_announced


async def test_hanging_up_during_it_is_a_hang_up_in_the_menu():
    call = await run(["1"], announce_survey=True, hang_up_at=2)
    assert call.result.outcome is MenuOutcome.HUNG_UP
    assert "caller hung up (during enquete-annonce)" in call.journey.trace
