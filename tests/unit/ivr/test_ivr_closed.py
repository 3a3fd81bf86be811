"""Closed services: the message, the hours of the right calendar, the website, and the end of the call."""

from ivr.closed import closed_message
from ivr.engine import MenuOutcome
from routing.route import ClosedInfo, Route, RouteKind
from routing.speech import speak_hours, speak_reopening
from tests.unit.ivr.ivr_testkit import RULES, paris, run

TOMORROW_8 = ["allo/mots/rouvrira", "allo/mots/demain", "allo/mots/a", "allo/nombres/8", "allo/mots/heures"]


async def test_everything_closed_on_sunday_says_the_hours_and_hangs_up():
    call = await run(["1"], at=paris(15, 11))
    hours = speak_hours(RULES.calendars["general"])[0]
    # Sunday 11:00: the general line opens again on Monday at 8:00.
    assert call.journey.prompts == ["allo/service-ferme", *TOMORROW_8, *hours, "allo/site-internet",
                                    "allo/au-revoir"]
    assert call.result.outcome is MenuOutcome.CLOSED
    assert call.result.route == Route(RouteKind.HANGUP)
    assert call.result.closed is not None and call.result.closed.service == "general"
    assert call.journey.menus == [] and call.journey.inputs == []
    assert call.channel.reads == [] and call.channel.remaining == ["1"]
    assert call.journey.trace[-1] == "-> closed message, hang up"


async def test_the_engine_says_the_closed_services_best_hours_after_the_reopening():
    best = {"general": ["allo/mots/meilleurs-moments", "allo/mots/le", "allo/jours/mardi"]}
    call = await run(["1"], at=paris(15, 11), best_hours=lambda service: best.get(service, []))
    hours = speak_hours(RULES.calendars["general"])[0]
    assert call.journey.prompts == ["allo/service-ferme", *TOMORROW_8, *best["general"], *hours,
                                    "allo/site-internet", "allo/au-revoir"]


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
        *TOMORROW_8,
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


def test_the_reopening_follows_the_exceptional_message_when_the_next_opening_is_known():
    now, opens = paris(14, 19), paris(16, 8)  # Saturday evening, Monday 8:00
    closed = ClosedInfo("general", "general", "exceptional_closure", message_prompt="allo/exceptionnel",
                        next_open=opens)
    hours = speak_hours(RULES.calendars["general"])[0]
    reopening = speak_reopening(opens, now)[0]
    assert reopening[:2] == ["allo/mots/rouvrira", "allo/jours/lundi"]
    assert closed_message(RULES, closed, speak_hours, now) == [
        "allo/service-ferme", "allo/exceptionnel", *reopening, *hours, "allo/site-internet"]
    # Without the decision's time, or without a next opening, the reopening is not said.
    assert "allo/mots/rouvrira" not in closed_message(RULES, closed, speak_hours)
    unknown = ClosedInfo("general", "general", "exceptional_closure")
    assert "allo/mots/rouvrira" not in closed_message(RULES, unknown, speak_hours, now)


def test_the_best_hours_follow_the_reopening_and_precede_the_weekly_hours():
    now, opens = paris(14, 19), paris(16, 8)
    closed = ClosedInfo("general", "general", "outside_hours", next_open=opens)
    best = ["allo/mots/meilleurs-moments", "allo/mots/le", "allo/jours/mardi", "allo/mots/de", "allo/nombres/14",
            "allo/mots/heures", "allo/mots/a", "allo/nombres/16", "allo/mots/heures"]
    hours = speak_hours(RULES.calendars["general"])[0]
    assert closed_message(RULES, closed, speak_hours, now, best) == [
        "allo/service-ferme", *speak_reopening(opens, now)[0], *best, *hours, "allo/site-internet"]
    # No figures yet: the message is the one it always was.
    assert closed_message(RULES, closed, speak_hours, now, []) == closed_message(RULES, closed, speak_hours, now)
