"""Closed services: the message, the hours of the right calendar, the website, and the end of the call."""

from ivr.closed import closed_message
from ivr.engine import MenuOutcome
from routing.route import ClosedInfo, Route, RouteKind
from routing.speech import speak_hours
from tests.unit.ivr.ivr_testkit import RULES, paris, run


async def test_everything_closed_on_sunday_says_the_hours_and_hangs_up():
    call = await run(["1"], at=paris(15, 11))
    hours = speak_hours(RULES.calendars["general"])[0]
    assert call.journey.prompts == ["allo/service-ferme", *hours, "allo/site-internet", "allo/au-revoir"]
    assert call.result.outcome is MenuOutcome.CLOSED
    assert call.result.route == Route(RouteKind.HANGUP)
    assert call.result.closed is not None and call.result.closed.service == "general"
    assert call.journey.menus == [] and call.journey.inputs == []
    assert call.channel.reads == [] and call.channel.remaining == ["1"]
    assert call.journey.trace[-1] == "-> closed message, hang up"


async def test_closed_in_the_evening_too():
    call = await run([], at=paris(9, 20, 5))
    assert call.result.outcome is MenuOutcome.CLOSED
    assert call.journey.prompts[0] == "allo/service-ferme"


async def test_level1_closing_during_the_menu_ends_the_call_with_its_hours():
    times = iter([paris(9, 19, 59), paris(9, 20, 0)])
    call = await run(["0"], at=lambda: next(times))
    hours = speak_hours(RULES.calendars["general"])[0]
    assert call.journey.prompts == [
        "allo/bienvenue",
        "allo/menu-principal",
        "allo/service-ferme",
        *hours,
        "allo/site-internet",
        "allo/au-revoir",
    ]
    assert call.result.outcome is MenuOutcome.CLOSED
    assert call.result.route == Route(RouteKind.HANGUP)


def test_the_specialist_message_names_the_specialist_service():
    closed = ClosedInfo("specialist", "specialist", "outside_hours")
    hours = speak_hours(RULES.calendars["specialist"])[0]
    assert closed_message(RULES, closed, speak_hours) == ["allo/service-specialise-ferme", *hours, "allo/site-internet"]


def test_an_unknown_calendar_skips_the_hours():
    closed = ClosedInfo("general", "gone", "outside_hours", message_prompt="allo/exceptionnel")
    assert closed_message(RULES, closed, speak_hours) == [
        "allo/service-ferme",
        "allo/exceptionnel",
        "allo/site-internet",
    ]
