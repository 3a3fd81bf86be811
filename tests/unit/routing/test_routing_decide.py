from datetime import UTC, datetime

import pytest

from routing.decide import CallInfo, RulesSnapshot, decide
from routing.route import Route, RouteKind


def test_skeleton_routes_every_call_to_level1_with_a_trace():
    decision = decide(RulesSnapshot(level1_queue="l1", version=3), CallInfo("3939"), datetime.now(UTC))
    assert decision.route == Route(RouteKind.QUEUE, "l1")
    assert decision.trace and "v3" in decision.trace[0]


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone"):
        decide(RulesSnapshot(), CallInfo("3939"), datetime(2026, 1, 5, 9, 0))


def test_route_variables_for_the_dialplan():
    assert Route.to_queue("l2-travail", 300).channel_variables() == {
        "ALLO_ACTION": "queue", "ALLO_QUEUE": "l2-travail", "ALLO_QUEUE_TIMEOUT": "300"}
    assert Route(RouteKind.HANGUP).channel_variables() == {"ALLO_ACTION": "hangup"}
