"""An adviser's time from their state history (pure): logged in, in pause (per reason), in wrap-up; and how a
span of time splits over report buckets (a span crossing local midnight counts in both days).

The history (`agent_state_events`, docs/desk.md) is read in time order:
- logged in from `login` to `logout` (a `login` while logged in changes nothing);
- in pause from `pause` to `resume` or `logout`; a `pause` with another reason ends the first and starts the next;
- in wrap-up from `wrapup_start` to `wrapup_end`, or to the adviser's own `pause` (it replaces the wrap-up) or
  `logout`, or the next `wrapup_start`.
What is still open at `horizon` (the range's end, or now when sooner) counts until then.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from allo.db.desk_models import AgentStateKind as K
from allo.reports.adviser_rows import StateRow
from allo.reports.buckets import Bucket


class SpanKind(enum.StrEnum):
    LOGGED_IN = "logged_in"
    PAUSE = "pause"
    WRAPUP = "wrapup"


@dataclass(frozen=True)
class Span:
    kind: SpanKind
    start: datetime
    end: datetime
    reason: str = ""  # the pause's reason code


def spans(events: Iterable[StateRow], horizon: datetime) -> list[Span]:
    """The spans of one adviser's history; events after `horizon` are ignored, open spans end at it."""
    out: list[Span] = []
    login: datetime | None = None
    pause: tuple[datetime, str] | None = None
    wrap: datetime | None = None

    def close_pause(at: datetime) -> None:
        nonlocal pause
        if pause is not None:
            out.append(Span(SpanKind.PAUSE, pause[0], at, pause[1]))
            pause = None

    def close_wrap(at: datetime) -> None:
        nonlocal wrap
        if wrap is not None:
            out.append(Span(SpanKind.WRAPUP, wrap, at))
            wrap = None

    for event in sorted(events, key=lambda e: (e.at, e.id)):
        at = event.at
        if at > horizon:
            break
        if event.state == K.LOGIN:
            login = login or at
        elif event.state == K.LOGOUT:
            if login is not None:
                out.append(Span(SpanKind.LOGGED_IN, login, at))
                login = None
            close_pause(at)
            close_wrap(at)
        elif event.state == K.PAUSE:
            reason = event.reason or "pause"
            close_wrap(at)
            if pause is None or pause[1] != reason:
                close_pause(at)
                pause = (at, reason)
        elif event.state == K.RESUME:
            close_pause(at)
        elif event.state == K.WRAPUP_START:
            close_wrap(at)
            wrap = at
        elif event.state == K.WRAPUP_END:
            close_wrap(at)
    if login is not None:
        out.append(Span(SpanKind.LOGGED_IN, login, horizon))
    close_pause(horizon)
    close_wrap(horizon)
    return out



class Slots:
    """The report's buckets (sorted, contiguous) and where an instant or a span falls in them."""

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        self.buckets = list(buckets)
        self._starts = [b.start for b in self.buckets]

    def of(self, instant: datetime) -> int | None:
        """The index of the bucket holding `instant`; None outside them all."""
        i = bisect.bisect_right(self._starts, instant) - 1
        return i if i >= 0 and instant < self.buckets[i].end else None

    def split(self, start: datetime, end: datetime) -> Iterator[tuple[int, float]]:
        """(bucket index, seconds) of the part of [start, end) in each bucket."""
        if end <= start:
            return
        i = max(0, bisect.bisect_right(self._starts, start) - 1)
        while i < len(self.buckets) and self.buckets[i].start < end:
            lo, hi = max(start, self.buckets[i].start), min(end, self.buckets[i].end)
            if hi > lo:
                yield i, (hi - lo).total_seconds()
            i += 1
