"""Opening hours: open at an instant, status lines in French, public holidays (pure, Europe/Paris)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from allo.directory.hours import OpenStatus, describe, open_at, status
from allo.directory.records import OpeningRange

PARIS = ZoneInfo("Europe/Paris")
WEEK = (OpeningRange(0, 4, (("08:30", "12:00"), ("13:30", "17:30")), ""),
        OpeningRange(5, 5, (("09:00", "12:00"),), "État civil uniquement."))
THURSDAY_LATE = (OpeningRange(0, 4, (("08:30", "17:00"),), ""), OpeningRange(3, 3, (("17:00", "19:30"),), ""))


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(("when", "expected"), [
    (at(7, 12, 10), "Ouvert jusqu'à 12:00"),  # Monday 7 December 2026
    (at(7, 12, 12, 30), "Fermé, ouvre aujourd'hui à 13:30"),
    (at(7, 12, 17, 30), "Fermé, ouvre demain à 08:30"),
    (at(12, 12, 11, 59), "Ouvert jusqu'à 12:00"),  # Saturday
    (at(12, 12, 12), "Fermé, ouvre lundi à 08:30"),
    (at(25, 12, 10), "Fermé (jour férié : Noël), ouvre demain à 09:00"),  # a Friday
    (at(11, 11, 10), "Fermé (jour férié : Armistice), ouvre demain à 08:30"),
])
def test_status_lines(when, expected):
    assert status(WEEK, when).text == expected


def test_open_at_follows_paris_time_and_merges_following_ranges():
    assert open_at(WEEK, datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    assert not open_at(WEEK, datetime(2026, 12, 7, 7, 0, tzinfo=UTC))
    assert open_at(WEEK, datetime(2026, 7, 6, 6, 45, tzinfo=UTC))  # summer: 08:45 in Paris
    assert status(THURSDAY_LATE, at(10, 12, 16)).text == "Ouvert jusqu'à 19:30"
    assert status(THURSDAY_LATE, at(11, 12, 16)).text == "Ouvert jusqu'à 17:00"


def test_no_hours_is_unknown_not_closed():
    unknown = status((), at(7, 12, 10))
    assert unknown.status is OpenStatus.UNKNOWN and unknown.open is None and unknown.text == "Horaires non renseignés"
    assert status(WEEK, at(25, 12, 10)).status is OpenStatus.HOLIDAY and status(WEEK, at(25, 12, 10)).open is False


def test_a_range_over_the_weekend_wraps():
    weekend = (OpeningRange(5, 0, (("10:00", "12:00"),), ""),)  # samedi → lundi
    assert open_at(weekend, at(13, 12, 11)) and open_at(weekend, at(14, 12, 11))
    assert not open_at(weekend, at(15, 12, 11))


def test_describe_in_french():
    assert describe(WEEK) == ["du lundi au vendredi : 08:30-12:00, 13:30-17:30",
                              "le samedi : 09:00-12:00 (État civil uniquement.)"]
