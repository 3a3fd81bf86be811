"""Properties of `status` over random schedules and instants (2025-2030, DST change days included)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.calendar import HORIZON_DAYS, ClosedReason, day_periods, status
from routing.calendar_types import PARIS, Calendar, CalendarException, ExceptionKind, Period

ZONES = [UTC, PARIS, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Australia/Lord_Howe")]
DST_DAYS = [
    date(year, month, day)
    for year, month, day in [(2025, 3, 30), (2025, 10, 26), (2026, 3, 29), (2026, 10, 25), (2027, 3, 28)]
]
PROPERTIES = settings(database=None, deadline=None, max_examples=150)


def _minute_time(minute: int) -> time:
    return time(0) if minute == 1440 else time(minute // 60, minute % 60)


@st.composite
def periods(draw: st.DrawFn, max_periods: int = 3) -> tuple[Period, ...]:
    """Non-overlapping periods on a minute grid; 1440 is midnight (closes 00:00); often midnight or DST hours."""
    bounds = sorted(
        draw(
            st.sets(st.integers(0, 1440) | st.integers(110, 190) | st.sampled_from([0, 1440]), max_size=2 * max_periods)
        )
    )
    pairs = zip(bounds[::2], bounds[1::2], strict=False)
    return tuple(Period(_minute_time(opens), _minute_time(closes)) for opens, closes in pairs)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    weekly = {weekday: draw(periods()) for weekday in range(7)}
    return Calendar("random", weekly=weekly, public_holidays=draw(st.booleans()))


general_instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31, 23, 59), timezones=st.sampled_from(ZONES)
)
# minutes around 02:00-03:00 on the days the Paris clocks change, where wall-clock rules are tricky
dst_instants = st.builds(
    lambda day, minute, fold: datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=PARIS, fold=fold
    ),
    st.sampled_from(DST_DAYS),
    st.integers(0, 1439) | st.integers(90, 210),
    st.integers(0, 1),
)
instants = general_instants | dst_instants


@st.composite
def exceptions_near(draw: st.DrawFn, day: date) -> CalendarException:
    starts_on = day + timedelta(days=draw(st.integers(-2, 2)))
    ends_on = starts_on + timedelta(days=draw(st.integers(0, 2)))
    return CalendarException(draw(st.sampled_from(ExceptionKind)), starts_on, ends_on, draw(periods(max_periods=2)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Calendar, datetime]:
    """A random calendar and instant, with random closures and openings on the days around that instant."""
    now = draw(instants)
    calendar = draw(calendars())
    near = exceptions_near(_utc(now).astimezone(PARIS).date())
    exceptions = tuple(draw(st.lists(near, max_size=3)))
    return Calendar("random", calendar.weekly, exceptions, calendar.public_holidays), now


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _inside(t: time, period: Period) -> bool:
    return period.opens <= t and (period.closes == time(0) or t < period.closes)


@PROPERTIES
@given(cases())
def test_open_iff_local_wall_clock_inside_a_period_of_the_day(case: tuple[Calendar, datetime]) -> None:
    calendar, now = case
    local = _utc(now).astimezone(PARIS)
    state = status(calendar, now)
    assert _utc(state.local_now) == _utc(now)
    assert state.local_now.tzinfo == PARIS
    assert state.local_now.replace(tzinfo=None) == local.replace(tzinfo=None)  # the wall clock, a real one
    day_open = day_periods(calendar, local.date())[0]
    assert state.is_open == any(_inside(local.time(), p) for p in day_open)


@PROPERTIES
@given(cases())
def test_closes_at_and_next_open(case: tuple[Calendar, datetime]) -> None:
    calendar, now = case
    state = status(calendar, now)
    if state.is_open:
        assert state.closes_at is not None
        assert state.next_open is None
        assert _utc(state.closes_at) > _utc(state.local_now)
        assert status(calendar, _utc(state.closes_at) - timedelta(microseconds=1)).is_open
        if _utc(state.closes_at) - _utc(now) < timedelta(days=HORIZON_DAYS):  # else a line open around the clock
            assert not status(calendar, state.closes_at).is_open
        return
    assert state.closes_at is None
    if state.next_open is None:
        assert not any(calendar.weekly.values())  # a weekly schedule opens within 31 days
        return
    assert _utc(state.next_open) > _utc(state.local_now)
    assert status(calendar, state.next_open).is_open
    just_before = _utc(state.next_open) - timedelta(microseconds=1)
    if just_before > _utc(now):
        assert not status(calendar, just_before).is_open


@st.composite
def conflicting_exceptions(draw: st.DrawFn) -> tuple[Calendar, CalendarException, date]:
    """A calendar with a whole-day closure and an exceptional opening over overlapping ranges."""
    calendar = draw(calendars())
    start = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 1)))
    closure = CalendarException(ExceptionKind.CLOSURE, start, start + timedelta(days=draw(st.integers(0, 10))))
    opening_start = start + timedelta(days=draw(st.integers(-5, 5)))
    opening = CalendarException(
        ExceptionKind.OPENING,
        opening_start,
        opening_start + timedelta(days=draw(st.integers(0, 10))),
        draw(periods()),
    )
    exceptions = draw(st.permutations([closure, opening]))
    day = start + timedelta(days=draw(st.integers(0, (closure.ends_on - start).days)))
    return Calendar("random", weekly=calendar.weekly, exceptions=tuple(exceptions)), closure, day


@PROPERTIES
@given(conflicting_exceptions(), st.integers(0, 1439))
def test_an_opening_never_opens_a_closed_date(case: tuple[Calendar, CalendarException, date], minute: int) -> None:
    calendar, closure, day = case
    state = status(calendar, datetime.combine(day, _minute_time(minute), tzinfo=PARIS))
    assert not state.is_open
    assert state.reason is ClosedReason.EXCEPTIONAL_CLOSURE
    assert state.exception is closure


@PROPERTIES
@given(cases())
def test_same_instant_in_any_zone_gives_the_same_state(case: tuple[Calendar, datetime]) -> None:
    calendar, now = case
    expected = status(calendar, now)
    for zone in ZONES:
        assert status(calendar, now.astimezone(zone)) == expected


@settings(database=None, deadline=None, max_examples=25)
@given(calendars(), st.sampled_from(DST_DAYS))
def test_minute_by_minute_changes_match_closes_at_and_next_open(calendar: Calendar, day: date) -> None:
    """Over the night of a DST change, every change of state happens exactly at the announced instant."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=1)
    minutes = [status(calendar, start + timedelta(minutes=m)) for m in range(5 * 60)]
    for before, after in itertools.pairwise(minutes):
        at = _utc(after.local_now)
        if before.is_open and not after.is_open:
            assert before.closes_at is not None
            assert _utc(before.closes_at) == at
        elif not before.is_open and after.is_open:
            assert before.next_open is not None
            assert _utc(before.next_open) == at
        elif not before.is_open and before.next_open is not None and after.next_open is not None:
            assert _utc(before.next_open) == _utc(after.next_open)
        elif before.is_open and before.closes_at is not None and after.closes_at is not None:
            assert _utc(before.closes_at) == _utc(after.closes_at) or _utc(before.closes_at) > at + timedelta(days=30)
