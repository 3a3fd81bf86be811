"""« Demandes d'aide » on the dashboard: who asks (extension and name), since when in Paris, the call (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from acd.live.state import Instant, LiveState
from allo.dashboard.help import HelpItem, help_view
from allo.dashboard.view import AgentInfo, DayData, dashboard_view

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC).timestamp()  # 14:00 in Paris
ASKED = [HelpItem(7, "agent1001", "1700000000.1", "Cas de licenciement", datetime(2026, 11, 23, 12, 58, tzinfo=UTC)),
         HelpItem(9, "agent1002", None, "", datetime(2026, 11, 23, 12, 59, 30, tzinfo=UTC))]


def test_each_request_shows_the_adviser_the_paris_time_the_wait_and_the_call():
    view = help_view(tuple(ASKED), {"agent1001": "Léa Martin"}, NOW)
    assert view == {"count": 2, "requests": [
        {"id": 7, "agent": "agent1001", "name": "Léa Martin", "call_id": "1700000000.1",
         "text": "Cas de licenciement", "asked_at": "13:58", "waiting_seconds": 120},
        {"id": 9, "agent": "agent1002", "name": "", "call_id": None, "text": "", "asked_at": "13:59",
         "waiting_seconds": 30}]}
    assert help_view((), {}, NOW) == {"count": 0, "requests": []}


def test_the_dashboard_document_carries_the_day_s_open_requests_with_the_advisers_names():
    day = DayData(agents=(AgentInfo("agent1001", "Léa Martin", ("l1",)),), help=tuple(ASKED[:1]), refreshed_at=NOW)
    document = dashboard_view(LiveState(lambda: Instant(0.0, NOW)), [], day, Instant(0.0, NOW), ami_up=True)
    assert document["help"]["count"] == 1
    assert document["help"]["requests"][0]["name"] == "Léa Martin"
    assert dashboard_view(LiveState(lambda: Instant(0.0, NOW)), [], DayData(), Instant(0.0, NOW),
                          ami_up=True)["help"] == {"count": 0, "requests": []}
