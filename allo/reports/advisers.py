"""Per-adviser figures per local day or month (pure). Definitions: docs/reports.md, « Par conseiller ».

A call taken counts in the bucket of its answer, a wrap-up in the bucket of its start, a survey in the bucket of
its start; times (logged in, pause, talk, wrap-up) are split over the buckets they cross, so a pause from 23:30
to 00:30 gives 30 minutes to each day. Totals are sums of counts and seconds, never averages of buckets.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from allo.db.desk_models import AgentStateKind as K
from allo.reports.adviser_params import Per
from allo.reports.adviser_rows import AdviserRows, Origin, StateRow, SurveyRow, Taken, WrapupRecord
from allo.reports.adviser_spans import Slots, SpanKind, spans
from allo.reports.buckets import Bucket
from routing.calendar_types import PARIS, PARIS_NAME


@dataclass
class AdviserTally:
    calls_taken: int = 0
    calls_queue: int = 0
    calls_repeat: int = 0
    calls_callback: int = 0
    talked: int = 0  # calls answered in the bucket whose end is known
    talk_sum: float = 0.0  # their whole talk time (the average's numerator)
    talk_s: float = 0.0  # talk time inside the bucket (occupancy), calls still going until the horizon
    wrapups: int = 0  # wrap-ups started in the bucket and over
    wrapup_sum: float = 0.0
    wrapup_s: float = 0.0  # wrap-up time inside the bucket
    wrapups_saved: int = 0  # call_wrapups saved by the adviser (counted on the day the call ended)
    wrapups_expired: int = 0  # call_wrapups whose deadline passed unsaved (« sans motif »)
    logged_in_s: float = 0.0
    pause_by_reason: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # s by reason
    transfers_by_sector: Counter[str] = field(default_factory=Counter)
    rated: int = 0
    rating_sum: int = 0
    asked: int = 0  # « question answered » given (yes or no)
    yes: int = 0

    def merge(self, other: AdviserTally) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, dict):
                for key, amount in value.items():
                    mine[key] += amount
            else:
                setattr(self, name, mine + value)

    def add_call(self, call: Taken) -> None:
        """A call answered in this bucket (its talk time inside the bucket is added apart)."""
        self.calls_taken += 1
        self.calls_queue += call.origin is Origin.QUEUE
        self.calls_repeat += call.origin is Origin.REPEAT
        self.calls_callback += call.origin is Origin.CALLBACK
        if call.ended_at is not None:
            self.talked += 1
            self.talk_sum += (call.ended_at - call.answered_at).total_seconds()
        if call.transferred_to is not None:
            self.transfers_by_sector[call.transferred_to] += 1

    def add_survey(self, survey: SurveyRow) -> None:
        if survey.satisfaction is not None:
            self.rated += 1
            self.rating_sum += survey.satisfaction
        if survey.answered is not None:
            self.asked += 1
            self.yes += survey.answered

    def add_record(self, record: WrapupRecord) -> None:
        if record.expired:
            self.wrapups_expired += 1
        else:
            self.wrapups_saved += 1

    @property
    def active(self) -> bool:
        return bool(self.calls_taken or self.logged_in_s or self.pause_by_reason or self.wrapup_s or self.talk_s
                    or self.rated or self.asked or self.wrapups_saved or self.wrapups_expired)

    def figures(self) -> dict[str, Any]:
        pause = sum(self.pause_by_reason.values())
        avg_talk, avg_wrapup = _avg(self.talk_sum, self.talked), _avg(self.wrapup_sum, self.wrapups)
        available = self.logged_in_s - pause
        return {
            "calls_taken": self.calls_taken, "calls_queue": self.calls_queue, "calls_repeat": self.calls_repeat,
            "calls_callback": self.calls_callback, "talk_s": round(self.talk_s, 1), "avg_talk_s": avg_talk,
            "wrapups": self.wrapups, "wrapup_s": round(self.wrapup_s, 1), "avg_wrapup_s": avg_wrapup,
            "wrapups_saved": self.wrapups_saved, "wrapups_expired": self.wrapups_expired,
            "aht_s": None if avg_talk is None else round(avg_talk + (avg_wrapup or 0.0), 1),
            "logged_in_s": round(self.logged_in_s, 1), "pause_s": round(pause, 1),
            "occupancy_pct": round(100 * (self.talk_s + self.wrapup_s) / available, 1) if available > 0 else None,
            "transfers": sum(self.transfers_by_sector.values()),
            "satisfaction_count": self.rated,
            "satisfaction_avg": round(self.rating_sum / self.rated, 2) if self.rated else None,
            "question_answered_count": self.asked,
            "question_answered_pct": round(100 * self.yes / self.asked, 1) if self.asked else None,
            "pause_by_reason": {k: round(v, 1) for k, v in sorted(self.pause_by_reason.items())},
            "transfers_by_sector": dict(sorted(self.transfers_by_sector.items())),
        }


def _avg(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


FIGURES = tuple(AdviserTally().figures())


@dataclass
class AdviserReport:
    agent: str
    name: str
    buckets: list[tuple[Bucket, AdviserTally]]
    total: AdviserTally = field(default_factory=AdviserTally)


def _add_spans(tallies: list[AdviserTally], slots: Slots, events: list[StateRow], horizon: datetime) -> None:
    for span in spans(events, horizon):
        for i, seconds in slots.split(span.start, span.end):
            if span.kind is SpanKind.LOGGED_IN:
                tallies[i].logged_in_s += seconds
            elif span.kind is SpanKind.PAUSE:
                tallies[i].pause_by_reason[span.reason] += seconds
            else:
                tallies[i].wrapup_s += seconds
        if span.kind is SpanKind.WRAPUP and span.end < horizon:
            start = slots.of(span.start)
            if start is not None:
                tallies[start].wrapups += 1
                tallies[start].wrapup_sum += (span.end - span.start).total_seconds()


def build(bucket_list: Sequence[Bucket], rows: AdviserRows, now: datetime,
          agent: str | None = None) -> list[AdviserReport]:
    """One report per adviser with anything in the range (or `agent` only), by name; each lists the buckets
    where something happened. What is still open (a pause, a call) counts until the range's end or `now`."""
    slots = Slots(bucket_list)
    horizon = min(now, bucket_list[-1].end) if bucket_list else now
    tallies: dict[str, list[AdviserTally]] = defaultdict(lambda: [AdviserTally() for _ in bucket_list])

    def keep(who: str) -> bool:
        return agent is None or who == agent

    events: dict[str, list[StateRow]] = defaultdict(list)
    for event in rows.states:
        if keep(event.agent):
            events[event.agent].append(event)
    calls: dict[str, list[Taken]] = defaultdict(list)
    for call in rows.taken:
        if keep(call.agent):
            calls[call.agent].append(call)
    for name, taken in calls.items():
        own = tallies[name]
        # A call whose end was never recorded (events lost while allo was away) ends at the adviser's next answer
        # or logout at the latest: an adviser is in one call at a time.
        stops = sorted([c.answered_at for c in taken] + [e.at for e in events[name] if e.state == K.LOGOUT])
        for call in taken:
            i = slots.of(call.answered_at)
            if i is not None:
                own[i].add_call(call)
            after = bisect.bisect_right(stops, call.answered_at)
            end = call.ended_at or (stops[after] if after < len(stops) else horizon)
            for j, seconds in slots.split(call.answered_at, min(end, horizon)):
                own[j].talk_s += seconds
    for name, history in events.items():
        _add_spans(tallies[name], slots, history, horizon)
    for survey in rows.surveys:
        i = slots.of(survey.at)
        if i is not None and keep(survey.agent):
            tallies[survey.agent][i].add_survey(survey)
    for record in rows.wrapup_records:
        i = slots.of(record.ended_at)
        if i is not None and keep(record.agent):
            tallies[record.agent][i].add_record(record)
    listed = set(tallies)
    if agent is not None:
        listed.add(agent)  # the adviser asked for is listed even with nothing
    reports = []
    shown = {name: rows.names.get(name) or name for name in listed}
    for name in sorted(listed, key=lambda a: (shown[a].casefold(), a)):
        report = AdviserReport(name, shown[name], [])
        for bucket, tally in zip(bucket_list, tallies[name], strict=True):
            report.total.merge(tally)
            if tally.active:
                report.buckets.append((bucket, tally))
        if report.total.active or name == agent:
            reports.append(report)
    return reports


def bucket_dict(bucket: Bucket, tally: AdviserTally) -> dict[str, Any]:
    return {"start": bucket.local_start.isoformat(), "end": bucket.end.astimezone(PARIS).isoformat(),
            "day": bucket.day.isoformat(), "label": bucket.label, **tally.figures()}


def report_dict(first: date, last: date, by: Per, reports: Sequence[AdviserReport],
                pause_labels: dict[str, str]) -> dict[str, Any]:
    reasons = sorted({r for rep in reports for r in rep.total.pause_by_reason})
    sectors = sorted({s for rep in reports for s in rep.total.transfers_by_sector})
    return {
        "from": first.isoformat(), "to": last.isoformat(), "by": by.value, "timezone": PARIS_NAME,
        "pause_reasons": [{"code": code, "label": pause_labels.get(code, code)} for code in reasons],
        "sectors": sectors,
        "advisers": [{"agent": r.agent, "name": r.name, "total": r.total.figures(),
                      "buckets": [bucket_dict(b, t) for b, t in r.buckets]} for r in reports],
    }
