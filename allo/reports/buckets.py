"""Report buckets: local days or local hours of Europe/Paris, as half-open UTC intervals.

A local day runs from local midnight to the next local midnight: 23 hours on the spring-forward day, 25 on the
fall-back day. Hours are the real hours that elapsed: 2026-03-29 has 23 of them (02:00 does not exist) and
2026-10-25 has 25 (02:00 happens twice; the two are labelled with their UTC offset and never merged).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from routing.calendar_types import PARIS

HOUR = timedelta(hours=1)


class Granularity(enum.StrEnum):
    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True)
class Bucket:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    day: date  # the local date the bucket belongs to
    label: str  # "2026-10-25" (day) or "02:00 (+01:00)" (hour; the offset only on an ambiguous hour)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(PARIS)


def local_midnight(day: date) -> datetime:
    """Local midnight of `day` as a UTC instant (midnight exists every day in Paris)."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def offset_label(instant: datetime) -> str:
    offset = instant.astimezone(PARIS).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _hours_of(day: date) -> list[Bucket]:
    start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
    starts = []
    t = start
    while t < end:
        starts.append(t)
        t += HOUR
    locals_ = [s.astimezone(PARIS).strftime("%H:%M") for s in starts]
    buckets = []
    for s, text in zip(starts, locals_, strict=True):
        label = f"{text} ({offset_label(s)})" if locals_.count(text) > 1 else text
        buckets.append(Bucket(s, s + HOUR, day, label))
    return buckets


def buckets_for(first: date, last: date, by: Granularity) -> list[Bucket]:
    """Every bucket from local day `first` to local day `last`, both included, in time order."""
    out: list[Bucket] = []
    day = first
    while day <= last:
        if by is Granularity.DAY:
            out.append(Bucket(local_midnight(day), local_midnight(day + timedelta(days=1)), day, day.isoformat()))
        else:
            out.extend(_hours_of(day))
        day += timedelta(days=1)
    return out


def bucket_key(instant: datetime, by: Granularity) -> datetime:
    """The UTC start of the bucket holding `instant` (aware)."""
    local = instant.astimezone(PARIS)
    if by is Granularity.DAY:
        return local_midnight(local.date())
    # astimezone sets `fold` on the repeated hour, so the floor stays in the right one of the two 02:00.
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
