"""Callbacks at risk on the dashboard: queue, due time in Paris, time left; never a number (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from allo.dashboard.view import at_risk_view


def test_each_callback_at_risk_shows_its_queue_its_paris_due_time_and_the_time_left():
    now = datetime(2026, 11, 23, 13, 0, tzinfo=UTC).timestamp()  # 14:00 in Paris
    view = at_risk_view([("l1", datetime(2026, 11, 23, 12, 59, tzinfo=UTC)),
                         ("l2-travail", datetime(2026, 11, 23, 13, 10, 30, tzinfo=UTC))], now)
    assert view == {"count": 2, "callbacks": [
        {"queue": "l1", "due_by": "13:59", "due_in_seconds": -60},
        {"queue": "l2-travail", "due_by": "14:10", "due_in_seconds": 630}]}
    assert at_risk_view([], now) == {"count": 0, "callbacks": []}
