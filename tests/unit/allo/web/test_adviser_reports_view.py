"""The « Par conseiller » page's durations (pure)."""

from __future__ import annotations

from allo.web.adviser_reports import hms


def test_durations_in_hours_minutes_seconds():
    assert [hms(None), hms(0), hms(59.6), hms(3600), hms(25 * 3600 + 61)] == ["", "0:00:00", "0:01:00", "1:00:00",
                                                                              "25:01:01"]
