"""Report figures from hand-written legs, calls and callbacks; every expected value is computed by hand."""

from datetime import UTC, date, datetime, timedelta

from allo.db.callback_models import CallbackStatus
from allo.db.models import LegOutcome
from allo.reports.aggregate import build, report_dict
from allo.reports.buckets import Granularity, buckets_for
from allo.reports.rows import CallbackRow, CallRow, LegRow, QueueInfo, ReportRows
from routing.calendar_types import PARIS

L1 = QueueInfo("l1", "Niveau 1", 1, service_level=20, short_abandon=5)
TRAVAIL = QueueInfo("l2-travail", "Travail", 2, service_level=30, short_abandon=10)
A, AB, LEFT, CB, OV, W = (LegOutcome.ANSWERED, LegOutcome.ABANDONED, LegOutcome.LEFT, LegOutcome.CALLBACK,
                          LegOutcome.OVERFLOW, LegOutcome.WAITING)


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Legs:
    def __init__(self) -> None:
        self.rows: list[LegRow] = []

    def add(self, call: str, queue: str, joined: datetime, outcome: LegOutcome, wait: int | None,
            end_reason: str | None = None) -> datetime:
        left = joined + timedelta(seconds=wait) if wait is not None else None
        self.rows.append(LegRow(len(self.rows) + 1, call, queue, joined, left, outcome, wait, end_reason))
        return left or joined


def autumn_rows() -> tuple[list[LegRow], dict[str, CallRow], list[CallbackRow]]:
    """2026-10-25, the 25-hour day: UTC 00:xx is 02:xx (+02:00), UTC 01:xx is 02:xx (+01:00)."""
    legs, calls = Legs(), {}
    # A: 02:10 (+02:00), answered after 12 s, 300 s with the adviser.
    answered = legs.add("A", "l1", z(2026, 10, 25, 0, 10), A, 12)
    calls["A"] = CallRow("A", answered + timedelta(seconds=300))
    # B: 02:20 (+01:00), answered after 30 s, transferred 120 s later to Travail: answered there after 40 s,
    # 600 s with the level-2 adviser.
    answered = legs.add("B", "l1", z(2026, 10, 25, 1, 20), A, 30, "transfer")
    transferred = answered + timedelta(seconds=120)
    answered2 = legs.add("B", "l2-travail", transferred + timedelta(seconds=1), A, 40)
    calls["B"] = CallRow("B", answered2 + timedelta(seconds=600), transferred)
    # C: 02:30 (+02:00), hung up after 3 s: a short abandon (< 5 s), not counted.
    legs.add("C", "l1", z(2026, 10, 25, 0, 30), AB, 3)
    # D: 02:40 (+01:00), hung up after 25 s: a counted abandon.
    legs.add("D", "l1", z(2026, 10, 25, 1, 40), AB, 25)
    # E: 02:05 (+01:00), exit key after 50 s, declined the callback, back 30 s later, answered after 15 more s.
    legs.add("E", "l1", z(2026, 10, 25, 1, 5), LEFT, 50, "exit_key")
    answered = legs.add("E", "l1", z(2026, 10, 25, 1, 6, 20), A, 15)
    calls["E"] = CallRow("E", answered + timedelta(seconds=240))
    # F: 02:50 (+01:00), left with a callback after 100 s.
    legs.add("F", "l1", z(2026, 10, 25, 1, 50), CB, 100, "exit_key")
    callbacks = [
        CallbackRow("l1", z(2026, 10, 25, 1, 51, 40), CallbackStatus.DONE, z(2026, 10, 25, 2, 36, 40),
                    reached_at=z(2026, 10, 25, 2, 30), rang_at=z(2026, 10, 25, 2, 29, 50)),  # kept
        CallbackRow("l1", z(2026, 10, 25, 21, 30), CallbackStatus.DONE, z(2026, 10, 25, 22, 15),
                    reached_at=z(2026, 10, 25, 22, 20), rang_at=z(2026, 10, 25, 22, 16)),  # 22:30 local, late
        CallbackRow("l1", z(2026, 10, 25, 22, 30), CallbackStatus.PENDING, z(2026, 10, 25, 23, 15)),  # 23:30
        CallbackRow("l1", z(2026, 10, 25, 23, 10), CallbackStatus.DONE, z(2026, 10, 25, 23, 55),
                    reached_at=z(2026, 10, 25, 23, 20), rang_at=z(2026, 10, 25, 23, 19)),  # the 26th: another day
    ]
    return legs.rows, calls, callbacks


def run(queues, day, by, legs, calls, callbacks=()):
    return build(queues, buckets_for(day, day, by), by, ReportRows(list(legs), dict(calls), list(callbacks)))


def figures(report, label):
    return next(dict(t.figures()) for b, t in report.buckets if b.label == label)


def test_autumn_hours_keep_the_two_0200_apart():
    legs, calls, callbacks = autumn_rows()
    day = date(2026, 10, 25)
    l1, travail = run([L1, TRAVAIL], day, Granularity.HOUR, legs, calls, callbacks)
    assert len(l1.buckets) == 25
    first = figures(l1, "02:00 (+02:00)")  # A answered, C short abandon
    assert (first["offered"], first["answered"], first["abandoned"], first["short_abandoned"]) == (1, 1, 0, 1)
    assert (first["service_level_pct"], first["asa_s"], first["aht_s"]) == (100.0, 12.0, 300.0)
    assert (first["solved"], first["escalated"]) == (1, 0)
    second = figures(l1, "02:00 (+01:00)")  # B answered+transferred, D abandoned, E answered (65 s), F callback
    assert (second["offered"], second["answered"], second["abandoned"], second["callback_left"]) == (4, 2, 1, 1)
    assert second["answered_in_sl"] == 0 and second["service_level_pct"] == 0.0  # 0 / (2 + 1)
    assert second["asa_s"] == 47.5  # (30 + 65) / 2
    assert second["aht_s"] == 180.0  # (120 + 240) / 2
    assert (second["solved"], second["escalated"], second["abandon_rate_pct"]) == (1, 1, 25.0)
    assert (second["callbacks_requested"], second["callbacks_completed"], second["callbacks_kept"]) == (1, 1, 1)
    l2 = figures(travail, "02:00 (+01:00)")
    assert (l2["offered"], l2["answered"], l2["service_level_pct"], l2["asa_s"], l2["aht_s"]) == (
        1, 1, 0.0, 40.0, 600.0)
    late = figures(l1, "22:00")  # 21:30 UTC
    assert (late["offered"], late["callbacks_requested"], late["callbacks_completed"]) == (0, 1, 1)
    assert late["callbacks_kept"] == 0 and late["callbacks_kept_pct"] == 0.0
    last = figures(l1, "23:00")  # 22:30 UTC, still pending
    assert (last["callbacks_requested"], last["callbacks_completed"], last["callbacks_kept_pct"]) == (1, 0, None)
    quiet = figures(l1, "03:00")
    assert quiet["offered"] == 0 and quiet["service_level_pct"] is None and quiet["asa_s"] is None


def test_autumn_day_totals():
    legs, calls, callbacks = autumn_rows()
    day = date(2026, 10, 25)
    l1, travail = run([L1, TRAVAIL], day, Granularity.DAY, legs, calls, callbacks)
    f = figures(l1, "2026-10-25")
    assert (f["offered"], f["answered"], f["abandoned"], f["short_abandoned"], f["callback_left"]) == (5, 3, 1, 1, 1)
    assert f["answered_in_sl"] == 1 and f["service_level_pct"] == 25.0  # 1 / (3 + 1)
    assert f["asa_s"] == 35.7  # (12 + 30 + 65) / 3 = 35.67
    assert f["aht_s"] == 220.0  # (300 + 120 + 240) / 3
    assert (f["solved"], f["escalated"], f["solved_pct"], f["abandon_rate_pct"]) == (2, 1, 66.7, 20.0)
    assert (f["callbacks_requested"], f["callbacks_completed"], f["callbacks_kept"], f["callbacks_kept_pct"]) == (
        3, 2, 1, 50.0)
    assert l1.total.figures() == f
    assert travail.total.figures()["offered"] == 1


def test_spring_day_boundaries_and_thresholds():
    legs, calls = Legs(), {}
    # 01:59:59 CET → the 01:00 bucket; answered in exactly 20 s (within a 20 s service level), 60 s handled.
    answered = legs.add("P", "l1", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), A, 20)
    calls["P"] = CallRow("P", answered + timedelta(seconds=60))
    # 03:00 CEST, one real second later: abandoned after exactly 5 s (not < 5 s: counted).
    legs.add("Q", "l1", z(2026, 3, 29, 1), AB, 5)
    # 03:30 CEST: answered after 21 s; the call is still going on (no handle time yet).
    legs.add("R", "l1", z(2026, 3, 29, 1, 30), A, 21)
    # 00:00 CET on the 29th and 23:59:59 CEST: inside the day; 00:00 CEST on the 30th: outside.
    legs.add("S", "l1", z(2026, 3, 28, 23), AB, 4)
    legs.add("T", "l1", datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC), W, None)
    legs.add("U", "l1", z(2026, 3, 29, 22), AB, 30)
    day = date(2026, 3, 29)
    [hours] = run([L1], day, Granularity.HOUR, legs.rows, calls, [])
    assert len(hours.buckets) == 23
    one = figures(hours, "01:00")
    assert (one["offered"], one["answered_in_sl"], one["service_level_pct"], one["aht_s"]) == (1, 1, 100.0, 60.0)
    three = figures(hours, "03:00")
    assert (three["offered"], three["answered"], three["abandoned"]) == (2, 1, 1)
    assert three["service_level_pct"] == 0.0 and three["asa_s"] == 21.0
    assert three["aht_s"] is None and three["handled"] == 0
    assert figures(hours, "00:00")["short_abandoned"] == 1
    assert figures(hours, "23:00")["waiting"] == 1
    [days] = run([L1], day, Granularity.DAY, legs.rows, calls, [])
    f = figures(days, "2026-03-29")
    assert (f["offered"], f["answered"], f["abandoned"], f["short_abandoned"], f["waiting"]) == (4, 2, 1, 1, 1)
    assert f["service_level_pct"] == 33.3  # 1 / (2 + 1)
    assert f["asa_s"] == 20.5 and f["aht_s"] == 60.0 and f["handled"] == 1


def test_a_transferred_call_sent_back_to_level_1_is_offered_there_twice_and_overflow_counts_in_both():
    legs, calls = Legs(), {}
    t0 = z(2026, 11, 23, 9)
    answered = legs.add("X", "l1", t0, A, 10, "transfer")
    # The sector had closed: back to level 1, answered there again after 5 s; the call ends 100 s later.
    back = answered + timedelta(seconds=90)
    answered2 = legs.add("X", "l1", back, A, 5)
    calls["X"] = CallRow("X", answered2 + timedelta(seconds=100), transferred_at=None)
    # Y: overflowed from Travail to level 1 after 600 s, answered there after 20 s.
    moved = legs.add("Y", "l2-travail", t0, OV, 600, "max_wait")
    legs.add("Y", "l1", moved, A, 20)
    calls["Y"] = CallRow("Y", None)
    day = date(2026, 11, 23)
    l1, travail = run([L1, TRAVAIL], day, Granularity.DAY, legs.rows, calls)
    f = l1.total.figures()
    assert (f["offered"], f["answered"], f["escalated"], f["solved"]) == (3, 3, 1, 2)
    # X's first answer ended when it joined level 1 again (no transfer time recorded): 90 s; then 100 s.
    assert (f["handled"], f["aht_s"]) == (2, 95.0)
    assert f["asa_s"] == round((10 + 5 + 20) / 3, 1)
    t = travail.total.figures()
    assert (t["offered"], t["overflowed"], t["answered"], t["service_level_pct"]) == (1, 1, 0, None)


def test_report_dict_carries_local_times_and_labels():
    legs, calls, callbacks = autumn_rows()
    day = date(2026, 10, 25)
    reports = run([L1], day, Granularity.HOUR, legs, calls, callbacks)
    body = report_dict(day, day, Granularity.HOUR, reports)
    buckets = body["queues"][0]["buckets"]
    assert [b["start"] for b in buckets[2:4]] == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]
    assert buckets[2]["end"] == "2026-10-25T02:00:00+01:00"
    assert body["queues"][0]["total"]["offered"] == 5 and body["timezone"] == "Europe/Paris"


def test_abandon_rate_leaves_short_abandons_out_of_both_parts():
    """What the dashboard shows as its abandon rate: counted abandons / offered (short ones in neither)."""
    legs, t0 = Legs(), z(2026, 11, 23, 9)
    legs.add("a", "l1", t0, AB, 4)  # short
    legs.add("b", "l1", t0, AB, 5)  # counted
    legs.add("c", "l1", t0, A, 10)
    legs.add("d", "l1", t0, CB, 30)
    legs.add("e", "l1", t0, W, None)  # still waiting: offered
    [l1] = run([L1], date(2026, 11, 23), Granularity.DAY, legs.rows, {})
    f = l1.total.figures()
    assert (f["offered"], f["abandoned"], f["short_abandoned"]) == (4, 1, 1)
    assert f["abandon_rate_pct"] == 25.0  # 1 / 4, not 2 / 5
    assert f["service_level_pct"] == 50.0  # 1 / (1 answered + 1 abandoned)


def test_relay_calls_have_their_own_line_after_the_queues():
    day = date(2026, 3, 10)
    at = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    legs = [LegRow(1, "relay-1", "l1", at, at + timedelta(seconds=5), LegOutcome.ANSWERED, 5),
            LegRow(2, "plain-1", "l1", at, at + timedelta(seconds=50), LegOutcome.ANSWERED, 50),
            LegRow(3, "relay-2", "l2-travail", at, None, LegOutcome.ABANDONED, 30)]
    calls = {"relay-1": CallRow("relay-1", None, relay=True), "plain-1": CallRow("plain-1", None),
             "relay-2": CallRow("relay-2", None, relay=True)}
    queues = [QueueInfo("l1", service_level=20), QueueInfo("l2-travail", level=2)]
    reports = build(queues, buckets_for(day, day, Granularity.DAY), Granularity.DAY, ReportRows(legs, calls, []),
                    relay_line=True)
    assert [r.queue.name for r in reports] == ["l1", "l2-travail", "relais"]
    relay = reports[-1]
    assert relay.queue.label == "Relais (sourds et malentendants)"
    total = relay.total
    assert (total.offered, total.answered, total.abandoned, total.answered_in_sl) == (2, 1, 1, 1)
    assert reports[0].total.offered == 2  # the queues still count every call
    assert len(build(queues, buckets_for(day, day, Granularity.DAY), Granularity.DAY,
                     ReportRows(legs, calls, []))) == 2


def test_a_call_cut_by_a_node_loss_is_offered_never_abandoned():
    """Two nodes (docs/scaling.md): the sweeper leaves a waiting leg `left` with end_reason node_lost, and an answered
    leg answered; the call's end is when its node was last seen alive."""
    legs, calls = Legs(), {}
    t0 = z(2026, 11, 23, 9)
    legs.add("W", "l1", t0, LEFT, 40, "node_lost")  # waiting when node b died
    calls["W"] = CallRow("W", t0 + timedelta(seconds=40))
    answered = legs.add("T", "l1", t0, A, 8, "node_lost")  # talking when node b died, 60 s after the answer
    calls["T"] = CallRow("T", answered + timedelta(seconds=60))
    (l1,) = run([L1], date(2026, 11, 23), Granularity.DAY, legs.rows, calls)
    f = l1.total.figures()
    assert (f["offered"], f["answered"], f["abandoned"], f["short_abandoned"]) == (2, 1, 0, 0)
    assert f["abandon_rate_pct"] == 0.0
    assert (f["handled"], f["aht_s"]) == (1, 60.0)
