"""Dashboard day figures from hand-made report rows (every expected value computed by hand, with the definitions
of docs/reports.md); the dashboard's own counts; the dashboard agrees with the report for the day; RAG edges."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest

from allo.dashboard.kpi import (
    REPORT_FIELDS,
    REPORT_NAMES,
    DayFigures,
    QueueTargets,
    calls_taken,
    day_figures,
    from_report,
    pending_callbacks,
    transferred_in,
)
from allo.dashboard.rag import Rag, rag_at_least, rag_at_most
from allo.db.callback_models import CallbackStatus as S
from allo.db.models import LegOutcome as O
from allo.reports.aggregate import Tally, build, report_dict
from allo.reports.buckets import Granularity, buckets_for
from allo.reports.rows import CallbackRow, CallRow, LegRow, ReportRows

L1 = QueueTargets("l1", level=1, service_level=20, sl_target_pct=80, short_abandon=5)
TRAVAIL = QueueTargets("l2-travail", level=2, sector="travail")
LOGEMENT = QueueTargets("l2-logement", level=2, sector="logement")
TARGETS = (L1, TRAVAIL, LOGEMENT)
DAY = date(2026, 11, 23)
DAY_START = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # midnight in Paris


def at(hours: float) -> datetime:
    return DAY_START + timedelta(hours=hours)


def day_rows() -> ReportRows:
    legs: list[LegRow] = []

    def leg(call: str, queue: str, joined: datetime, outcome: O, wait: int | None, end_reason: str | None = None,
            left: datetime | None = None) -> datetime:
        left = left or (joined + timedelta(seconds=wait) if wait is not None else None)
        legs.append(LegRow(len(legs) + 1, call, queue, joined, left, outcome, wait, end_reason))
        return left or joined

    leg("c1", "l1", at(9), O.ANSWERED, 11)
    leg("c2", "l1", at(9.1), O.ANSWERED, 20)  # exactly the service level: within
    answered = leg("c3", "l1", at(9.2), O.ANSWERED, 21, "transfer")  # then transferred to Travail
    leg("c3", "l2-travail", answered + timedelta(seconds=60), O.ANSWERED, 2)
    leg("c4", "l1", at(9.3), O.ABANDONED, 3)  # short
    leg("c5", "l1", at(9.4), O.ABANDONED, 5)  # exactly short_abandon: counted
    leg("c6", "l1", at(9.5), O.TIMEOUT, 900)  # reached the maximum wait, hung up during the offer: left
    leg("c7", "l1", at(11.9), O.WAITING, None)  # still waiting: offered, neither answered nor abandoned
    # Exit key after 30 s, declined the callback, back and answered after 4 s: one visit that waited 34 s.
    back = leg("c8", "l1", at(10), O.LEFT, 30, "exit_key") + timedelta(seconds=20)
    leg("c8", "l1", back, O.ANSWERED, 4)
    leg("c9", "l1", at(10.5), O.ABANDONED, None, left=at(10.5) + timedelta(seconds=2))  # no HoldTime: 2 s, short
    leg("c10", "l2-travail", at(10.6), O.ANSWERED, 50)
    leg("c12", "l1", at(10.7), O.CALLBACK, 40, "exit_key")
    # Arrived in level 1 yesterday at 23:50, transferred to Travail after midnight: only Travail's visit is today's.
    answered = leg("c13", "l1", at(-1 / 6), O.ANSWERED, 15, "transfer")
    leg("c13", "l2-travail", answered + timedelta(minutes=11), O.ANSWERED, 8)
    leg("c14", "l1", at(-2), O.ABANDONED, 60)  # yesterday's
    calls = {"c1": CallRow("c1", at(9.2)), "c3": CallRow("c3", at(9.5), at(9.2) + timedelta(seconds=51))}
    callbacks = [
        CallbackRow("l1", at(9), S.DONE, due_by=at(9.75), reached_at=at(9.5), rang_at=at(9.45)),  # kept
        # Rang in time, but picked up after the deadline: kept at ringing, not at reach.
        CallbackRow("l1", at(10), S.DONE, due_by=at(10.75), reached_at=at(10.8), rang_at=at(10.7)),
        CallbackRow("l1", at(11), S.PENDING, due_by=at(11.75)),  # requested, not completed
        CallbackRow("l1", at(-5), S.DONE, due_by=at(-4), reached_at=at(-4.5), rang_at=at(-4.6)),  # yesterday's
        CallbackRow("l1", at(8.5), S.CANCELLED, due_by=at(9.25)),  # requested, not completed
        # Reached on the due time: kept.
        CallbackRow("l1", at(8), S.DONE, due_by=at(8.75), reached_at=at(8.75), rang_at=at(8.74)),
        CallbackRow("l1", at(7), S.FAILED, due_by=at(7.75)),  # never rang, closed: a promise broken
        CallbackRow("l2-travail", at(11), S.PENDING, due_by=at(11.75)),
    ]
    return ReportRows(legs, calls, callbacks)


TRANSFERS_IN = {"travail": 2}
PENDING = {"l1": 2, "l2-travail": 1}


def figures() -> dict[str, DayFigures]:
    return day_figures(TARGETS, day_rows(), DAY, transfers_in=TRANSFERS_IN, callbacks_pending=PENDING)


def test_level1_figures_by_hand() -> None:
    assert figures()["l1"] == DayFigures(
        # visits: c1 c2 c3 c4 c5 c6 c7 c8 c9 c12 (c13 arrived yesterday); c4 (3 s) and c9 (2 s) are short
        offered=8, short_abandoned=2,
        answered=4,  # c1 c2 c3 c8
        answered_within_sl=2,  # c1 (11 s), c2 (20 s); c3 waited 21 s, c8 30 + 4 = 34 s
        abandoned=1, callback_left=1, left=1, waiting=1, overflowed=0,  # c5; c12; c6; c7
        service_level_pct=40.0,  # 2 / (4 answered + 1 abandoned)
        abandon_rate_pct=12.5,  # 1 / 8
        asa_seconds=21.5,  # (11 + 20 + 21 + 34) / 4
        solved=3, escalated=1, solved_pct=75.0,  # c3 was transferred by its adviser
        callbacks_requested=6, callbacks_completed=3, callbacks_measured=4,  # 3 rang + 1 failed without a ring
        callbacks_kept=3, callbacks_kept_pct=75.0,  # rang by due_by: 3 / 4
        callbacks_reached_in_time=2, callbacks_reached_in_time_pct=50.0,  # 2 / 4
        transferred_in=0, callbacks_pending=2)


def test_sector_figures_and_transfers_in() -> None:
    result = figures()
    assert result["l2-travail"] == DayFigures(
        offered=3, answered=3, answered_within_sl=2,  # c3 (2 s), c13 (8 s); c10 waited 50 s
        service_level_pct=66.7, abandon_rate_pct=0.0, asa_seconds=20.0,  # (2 + 50 + 8) / 3
        solved=3, solved_pct=100.0, transferred_in=2,
        callbacks_requested=1, callbacks_pending=1)  # requested today, still pending: no kept rate yet
    assert result["l2-logement"] == DayFigures()  # nothing today: no rate, never 0 %


def test_an_empty_day_divides_by_nothing() -> None:
    f = day_figures([L1], ReportRows([], {}, []), DAY, transfers_in={}, callbacks_pending={})["l1"]
    assert f == DayFigures() == from_report(Tally())
    assert (f.service_level_pct, f.abandon_rate_pct, f.asa_seconds, f.callbacks_kept_pct) == (None,) * 4


def only(*legs: LegRow, targets: QueueTargets = L1) -> DayFigures:
    return day_figures([targets], ReportRows(list(legs), {}, []), DAY, transfers_in={}, callbacks_pending={})["l1"]


def test_only_short_abandons_give_no_rates() -> None:
    f = only(LegRow(1, "a", "l1", at(9), at(9), O.ABANDONED, 1), LegRow(2, "b", "l1", at(9), at(9), O.ABANDONED, 4))
    assert (f.offered, f.abandoned, f.short_abandoned) == (0, 0, 2)
    assert f.service_level_pct is None and f.abandon_rate_pct is None and f.asa_seconds is None


def test_short_abandon_threshold_is_per_queue() -> None:
    f = only(LegRow(1, "a", "l1", at(9), at(9), O.ABANDONED, 1), LegRow(2, "b", "l1", at(9), at(9), O.ANSWERED, 1),
             targets=QueueTargets("l1", level=1, short_abandon=0))
    assert (f.short_abandoned, f.abandon_rate_pct, f.service_level_pct) == (0, 50.0, 50.0)


def test_dashboard_own_counts() -> None:
    assert pending_callbacks([("l1", S.PENDING), ("l1", S.IN_PROGRESS), ("l1", S.DONE), ("l1", S.CANCELLED),
                              ("l1", S.EXPIRED), ("l2-travail", S.PENDING)]) == {"l1": 2, "l2-travail": 1}
    assert transferred_in(["travail", "travail", "logement", None]) == {"travail": 2, "logement": 1}
    assert calls_taken(["agent1001", "agent1001", None, "agent2001"]) == {"agent1001": 2, "agent2001": 1}


def test_the_dashboard_shows_the_report_of_the_day_figure_by_figure() -> None:
    """Same rows: the report for the day (as /api/reports builds it) and the dashboard's day figures agree."""
    rows = day_rows()
    report = report_dict(DAY, DAY, Granularity.DAY,
                         build([t.report_queue() for t in TARGETS], buckets_for(DAY, DAY, Granularity.DAY),
                               Granularity.DAY, rows))
    dashboard = day_figures(TARGETS, rows, DAY, transfers_in=TRANSFERS_IN, callbacks_pending=PENDING)
    assert [q["queue"] for q in report["queues"]] == list(dashboard)
    for queue in report["queues"]:
        shown = asdict(dashboard[queue["queue"]])
        [bucket] = queue["buckets"]
        for name in REPORT_FIELDS:
            key = REPORT_NAMES.get(name, name)
            assert shown[name] == queue["total"][key] == bucket[key], (queue["queue"], name)
    # Not an agreement on zeros: the level-1 queue has every kind of figure.
    assert all(asdict(dashboard["l1"])[name] not in (0, None) for name in REPORT_FIELDS if name != "overflowed")


@pytest.mark.parametrize(("value", "expected"), [
    (100, Rag.GREEN), (80, Rag.GREEN), (79.9, Rag.AMBER), (72, Rag.AMBER), (71.9, Rag.RED), (0, Rag.RED),
    (None, Rag.NONE)])
def test_rag_when_higher_is_better(value: float | None, expected: Rag) -> None:
    assert rag_at_least(value, 80) is expected


@pytest.mark.parametrize(("value", "target", "expected"), [
    (0, 30, Rag.GREEN), (30, 30, Rag.GREEN), (30.1, 30, Rag.AMBER), (33, 30, Rag.AMBER), (33.1, 30, Rag.RED),
    (10, 10, Rag.GREEN), (11, 10, Rag.AMBER), (11.1, 10, Rag.RED), (None, 10, Rag.NONE)])
def test_rag_when_lower_is_better(value: float | None, target: int, expected: Rag) -> None:
    assert rag_at_most(value, target) is expected
