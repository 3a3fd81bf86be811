"""decide(): which rule decides, on the real 3939 calendars, without any network."""

from datetime import UTC, datetime

import pytest

from routing.calendar_types import PARIS, Calendar, CalendarException, ExceptionKind
from routing.decide import CallRequest, Target, decide
from routing.route import Route, RouteKind
from routing.rules import RulesSnapshot, Sector, Service
from routing.service_hours import general_calendar, specialist_calendar

GENERAL = general_calendar()
SPECIALIST = specialist_calendar()


def rules(general: Calendar = GENERAL) -> RulesSnapshot:
    return RulesSnapshot(
        version=7,
        services={"general": Service("general", "Ligne générale", "general", 1, "l1"),
                  "specialist": Service("specialist", "Spécialisé", "specialist", 2, "l2-interieur")},
        calendars={"general": general, "specialist": SPECIALIST},
        sectors={"travail": Sector("travail", "Travail", "l2-travail", "specialist"),
                 "interieur": Sector("interieur", "Intérieur", "l2-interieur", "specialist")},
        menus={},
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_entry_when_open_continues_to_the_menu_with_a_trace():
    decision = decide(rules(), CallRequest(Target.ENTRY), at("2026-11-23T10:00"))
    assert decision.route.kind is RouteKind.MENU
    assert decision.closed is None
    assert decision.trace[0].startswith("rules v7")
    assert any("service general open" in line for line in decision.trace)


def test_entry_on_sunday_is_closed_with_the_reason():
    decision = decide(rules(), CallRequest(Target.ENTRY), at("2026-11-22T10:00"))
    assert decision.route.kind is RouteKind.CLOSED
    assert decision.closed is not None and decision.closed.service == "general"
    assert decision.closed.next_open == at("2026-11-23T08:00")


def test_level1_key_0_during_hours_and_after_hours():
    open_ = decide(rules(), CallRequest(Target.LEVEL1, why="key 0"), at("2026-11-28T18:29"))
    assert open_.route == Route.to_queue("l1")
    assert "key 0" in open_.trace[0]
    closed = decide(rules(), CallRequest(Target.LEVEL1), at("2026-11-28T18:30"))
    assert closed.route.kind is RouteKind.CLOSED


def test_sector_queue_when_the_specialist_service_is_open():
    decision = decide(rules(), CallRequest(Target.QUEUE, queue="l2-travail"), at("2026-11-24T09:00"))
    assert decision.route == Route.to_queue("l2-travail")


def test_specialist_closed_but_general_open_hears_hours_then_level1():
    decision = decide(rules(), CallRequest(Target.QUEUE, queue="l2-travail"), at("2026-11-24T15:00"))
    assert decision.route == Route.to_queue("l1")
    assert decision.closed is not None and decision.closed.service == "specialist"
    assert any("service specialist closed" in line for line in decision.trace)


def test_both_closed_is_closed():
    decision = decide(rules(), CallRequest(Target.SERVICE, service="specialist"), at("2026-11-23T21:00"))
    assert decision.route.kind is RouteKind.CLOSED
    assert decision.closed is not None and decision.closed.service == "specialist"


def test_exceptional_closure_message_reaches_the_decision():
    closure = CalendarException(ExceptionKind.CLOSURE, at("2026-11-23T00:00").date(), at("2026-11-23T00:00").date(),
                                message_prompt="allo/greve")
    general = Calendar("general", GENERAL.weekly, (closure,))
    decision = decide(rules(general), CallRequest(Target.ENTRY), at("2026-11-23T10:00"))
    assert decision.route.kind is RouteKind.CLOSED
    assert decision.closed is not None and decision.closed.message_prompt == "allo/greve"
    assert decision.closed.reason == "exceptional_closure"


def test_unknown_queue_goes_to_level1_when_open():
    decision = decide(rules(), CallRequest(Target.QUEUE, queue="l2-nowhere"), at("2026-11-23T10:00"))
    assert decision.route == Route.to_queue("l1")
    assert any("unknown" in line for line in decision.trace)


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone"):
        decide(rules(), CallRequest(Target.ENTRY), datetime(2026, 11, 23, 10, 0))


def test_same_instant_in_utc_gives_the_same_decision():
    local = decide(rules(), CallRequest(Target.LEVEL1), at("2026-11-23T19:59"))
    utc = decide(rules(), CallRequest(Target.LEVEL1), at("2026-11-23T19:59").astimezone(UTC))
    assert local.route == utc.route == Route.to_queue("l1")


def test_route_variables_for_the_dialplan():
    assert Route.to_queue("l2-travail", 300).channel_variables() == {
        "ALLO_ACTION": "queue", "ALLO_QUEUE": "l2-travail", "ALLO_QUEUE_TIMEOUT": "300"}
    assert Route.hangup().channel_variables() == {"ALLO_ACTION": "hangup"}
    assert Route(RouteKind.CLOSED).channel_variables() == {"ALLO_ACTION": "hangup"}
