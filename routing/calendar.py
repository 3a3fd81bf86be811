"""Is a calendar open at an instant, and when does it next open or close (pure; rules on the local wall clock)."""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from routing.calendar_types import Calendar, CalendarException, ExceptionKind, Period

HORIZON_DAYS = 31
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_US = 86_400_000_000
_Span = tuple[int, int]  # [start, end) in microseconds since local midnight; end == _DAY_US is midnight


class ClosedReason(enum.StrEnum):
    OUTSIDE_HOURS = "outside_hours"
    PUBLIC_HOLIDAY = "public_holiday"
    EXCEPTIONAL_CLOSURE = "exceptional_closure"


class OpenReason(enum.StrEnum):
    WEEKLY = "weekly"
    EXCEPTIONAL_OPENING = "exceptional_opening"


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    reason: OpenReason | ClosedReason
    holiday_name: str | None  # the local date's public holiday, when the calendar observes them
    exception: CalendarException | None  # the exception that decided, if any
    local_now: datetime  # aware, in the calendar's timezone
    closes_at: datetime | None  # when open: when it closes (an opening may go on across midnight)
    next_open: datetime | None  # when closed: next opening within HORIZON_DAYS


@dataclass(frozen=True)
class _Day:
    spans: tuple[_Span, ...]  # open hours, sorted and merged
    reason: OpenReason | ClosedReason
    exception: CalendarException | None
    holiday_name: str | None
    removed: tuple[tuple[_Span, CalendarException], ...]  # hours a partial closure took away


@functools.lru_cache(maxsize=64)
def _holidays(year: int, subdivision: str | None) -> Mapping[date, str]:
    return MappingProxyType(dict(holidays.country_holidays("FR", years=year, subdiv=subdivision, language="fr")))


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _span(period: Period) -> _Span:
    return _us(period.opens), _us(period.closes) or _DAY_US


def _time(us: int) -> time:
    if us >= _DAY_US:
        return time(0)
    seconds, micro = divmod(us, 1_000_000)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)


def _merge(spans: Iterable[_Span]) -> tuple[_Span, ...]:
    merged: list[_Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _intersect(spans: Iterable[_Span], cut: _Span) -> tuple[_Span, ...]:
    parts = ((max(start, cut[0]), min(end, cut[1])) for start, end in spans)
    return tuple(part for part in parts if part[0] < part[1])


def _subtract(spans: Iterable[_Span], cut: _Span) -> tuple[_Span, ...]:
    kept = [part for start, end in spans for part in ((start, min(end, cut[0])), (max(start, cut[1]), end))]
    return tuple(part for part in kept if part[0] < part[1])


def _find(spans: Iterable[_Span], us: int) -> _Span | None:
    return next((span for span in spans if span[0] <= us < span[1]), None)


def _day(calendar: Calendar, day: date) -> _Day:
    holiday = _holidays(day.year, calendar.holiday_subdivision).get(day) if calendar.public_holidays else None
    covering = [e for e in calendar.exceptions if e.starts_on <= day <= e.ends_on]
    closures = [e for e in covering if e.kind == ExceptionKind.CLOSURE]
    whole_day = next((e for e in closures if not e.periods), None)
    if whole_day is not None:
        return _Day((), ClosedReason.EXCEPTIONAL_CLOSURE, whole_day, holiday, ())
    opening = next((e for e in covering if e.kind == ExceptionKind.OPENING), None)
    weekly = calendar.weekly.get(day.weekday(), ())
    reason: OpenReason | ClosedReason
    if opening is not None:
        base, reason, exception = opening.periods or weekly, OpenReason.EXCEPTIONAL_OPENING, opening
    elif holiday is not None:
        base, reason, exception = (), ClosedReason.PUBLIC_HOLIDAY, None
    else:
        base, reason, exception = weekly, OpenReason.WEEKLY, None
    spans = base_spans = _merge(_span(p) for p in base)
    removed: list[tuple[_Span, CalendarException]] = []
    for closure in closures:
        for cut in _merge(_span(p) for p in closure.periods):
            removed.extend((part, closure) for part in _intersect(base_spans, cut))
            spans = _subtract(spans, cut)
    if removed and not spans:
        reason, exception = ClosedReason.EXCEPTIONAL_CLOSURE, removed[0][1]
    return _Day(spans, reason, exception, holiday, tuple(removed))


def day_periods(
    calendar: Calendar, day: date
) -> tuple[tuple[Period, ...], OpenReason | ClosedReason, CalendarException | None, str | None]:
    """The open periods of a local date (sorted, merged), why, the deciding exception and the holiday name."""
    info = _day(calendar, day)
    periods = tuple(Period(_time(start), _time(end)) for start, end in info.spans)
    return periods, info.reason, info.exception, info.holiday_name


def _local(moment: datetime, zone: ZoneInfo, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}")
    # through UTC so that a wall time skipped by DST becomes a real instant
    return moment.astimezone(UTC).astimezone(zone)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _jump(low: datetime, high: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant of a new UTC offset between `low` and `high` (at most one change apart), if any."""
    start, end = math.floor(low.timestamp()), math.ceil(high.timestamp())
    before = datetime.fromtimestamp(start, zone).utcoffset()
    if datetime.fromtimestamp(end, zone).utcoffset() == before:
        return None
    while end - start > 1:  # offsets change on whole seconds
        middle = (start + end) // 2
        start, end = (middle, end) if datetime.fromtimestamp(middle, zone).utcoffset() == before else (start, middle)
    return datetime.fromtimestamp(end, zone)


def _instant(day: date, t: time, zone: ZoneInfo, fold: int = 0) -> datetime:
    """Wall time `t` on `day` as an aware instant; a wall time skipped by DST becomes the instant of the jump."""
    wall = datetime.combine(day, t, tzinfo=zone).replace(fold=fold)
    moment = wall.astimezone(UTC).astimezone(zone)
    if moment.replace(tzinfo=None) == wall.replace(tzinfo=None):
        return moment
    # In a gap, fold=1 applies the offset after the jump (an earlier instant), fold=0 the one before (a later one).
    jump = _jump(wall.replace(fold=1), wall.replace(fold=0), zone)
    return moment if jump is None else jump


def _closes_at(calendar: Calendar, now: datetime, span: _Span, zone: ZoneInfo) -> datetime:
    """When the wall clock leaves `span`, open at `now`, following the periods it enters (at midnight, DST jumps)."""
    close, limit = now, _utc(now) + timedelta(days=HORIZON_DAYS)
    for _ in range(4 * HORIZON_DAYS):
        day = now.date() + timedelta(days=span[1] // _DAY_US)
        ends = [_instant(day, _time(span[1]), zone, fold) for fold in (0, 1)]  # twice in the repeated hour
        close = min((end for end in ends if _utc(end) > _utc(now)), key=_utc, default=ends[0])
        jump = _jump(now, close, zone)
        if jump is not None and jump.replace(tzinfo=None) - now.replace(tzinfo=None) < _utc(jump) - _utc(now):
            close = jump  # clocks went back: the wall clock may leave the span early
        following = _find(_day(calendar, close.date()).spans, _us(close.time()))
        if following is None or _utc(close) > limit:
            break
        now, span = close, following
    return close


def status(calendar: Calendar, now: datetime) -> OpenState:
    """Open or closed at `now` (timezone-aware), judged on the calendar's local wall clock, and why."""
    zone = ZoneInfo(calendar.timezone)
    local = _local(now, zone, "now")
    info = _day(calendar, local.date())
    us = _us(local.time())
    span = _find(info.spans, us)
    if span is not None:
        closes_at = _closes_at(calendar, local, span, zone)
        return OpenState(True, info.reason, info.holiday_name, info.exception, local, closes_at, None)
    reason, exception = info.reason, info.exception
    closure = next((exc for part, exc in info.removed if part[0] <= us < part[1]), None)
    if closure is not None:
        reason, exception = ClosedReason.EXCEPTIONAL_CLOSURE, closure
    elif isinstance(reason, OpenReason):
        reason = ClosedReason.OUTSIDE_HOURS
    return OpenState(False, reason, info.holiday_name, exception, local, None, next_opening(calendar, local))


def next_opening(calendar: Calendar, after: datetime, horizon_days: int = HORIZON_DAYS) -> datetime | None:
    """The first instant strictly after `after` (and within `horizon_days`) at which the calendar opens."""
    zone = ZoneInfo(calendar.timezone)
    local = _local(after, zone, "after")
    start = _utc(local)
    limit = start + timedelta(days=horizon_days)
    previous = _day(calendar, local.date() - timedelta(days=1)).spans
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        spans = _day(calendar, day).spans
        continued = bool(previous) and previous[-1][1] == _DAY_US  # a 00:00 start then is no opening
        starts = [s for s, _ in spans if not (s == 0 and continued)]
        # both folds: an opening in the hour repeated when DST ends happens twice
        candidates = [_instant(day, _time(s), zone, fold) for s in starts for fold in (0, 1)]
        # a DST jump opens when it takes the wall clock into a period (back into one, when clocks go back)
        jump = _jump(_instant(day, time(0), zone), _instant(day + timedelta(days=1), time(0), zone), zone)
        candidates = sorted([*candidates, jump] if jump is not None else candidates, key=_utc)
        for candidate in candidates:
            if _utc(candidate) > limit:
                return None
            if _utc(candidate) > start and candidate.date() == day and _find(spans, _us(candidate.time())) is not None:
                return candidate
        previous = spans
    return None
