"""The dashboard's advisers needed now against those present (allo/dashboard/view.py staffing_view)."""

from __future__ import annotations

from allo.dashboard.view import staffing_view
from allo.planning.planner import NeededNow

COUNTS = {"logged_in": 5, "available": 1, "on_call": 2, "paused": 1, "wrapup": 1}


def test_present_is_logged_in_minus_paused_wrapup_included():
    view = staffing_view(NeededNow("10:00\u201310:30", 5, 8, 60.0), COUNTS)
    assert view == {"slot": "10:00\u201310:30", "needed": 5, "scheduled": 8, "forecast_calls": 60.0, "present": 4,
                    "short": True}
    assert staffing_view(NeededNow("10:00\u201310:30", 4, 6, 40.0), COUNTS)["short"] is False


def test_closed_or_no_plan_needs_no_figure_and_is_never_short():
    closed = staffing_view(NeededNow("22:00\u201322:30", None, None, None), COUNTS)
    assert (closed["needed"], closed["short"], closed["present"]) == (None, False, 4)
    assert staffing_view(None, COUNTS)["slot"] is None
