"""The half-hour summary against the real PostgreSQL (allo/planning/summary.py): a day of calls, transfers,
wrap-ups and adviser states gives exactly the expected sums; the folds as the day goes equal a rebuild; the clock
changes; the first fold and the lock that lets one process fold."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.db.models import LegOutcome as O
from allo.planning.summary import fold, rebuild
from tests.integration.allo.planning import summary_kit as kit
from tests.integration.allo.planning.summary_kit import Row, paris

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 17)  # a Tuesday in winter time (UTC+1)
AUTUMN = date(2026, 10, 25)  # 02:00-03:00 happens twice
SPRING = date(2026, 3, 29)  # 02:00-03:00 does not exist
EVE = paris(DAY - timedelta(days=1), 22)

Write = tuple[datetime, Callable[[AsyncConnection], Awaitable[None]]]


def t(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return paris(DAY, hh, mm, ss)


def the_day() -> list[Write]:
    """The day's writes, each when it happens (what the recorder, the desk and the wrap-up manager write)."""
    def w(at: datetime, action: Callable[[AsyncConnection], Awaitable[None]]) -> Write:
        return at, action

    return [
        # a2 logged in the evening before and paused overnight: not present until 09:00
        w(EVE, lambda c: kit.state(c, "a2", "login", EVE)),
        w(EVE + timedelta(hours=1), lambda c: kit.state(c, "a2", "pause", EVE + timedelta(hours=1))),
        w(t(8, 50), lambda c: kit.state(c, "a1", "login", t(8, 50))),
        w(t(9), lambda c: kit.state(c, "a2", "resume", t(9))),
        # c1: answered in 15 s by a1, 300 s of talk, its wrap-up saved late (09:30, 1185 s after the end)
        w(t(9, 4, 30), lambda c: kit.call(c, "c1", t(9, 4, 30))),
        w(t(9, 5), lambda c: kit.leg(c, "c1", "l1", t(9, 5))),
        w(t(9, 5, 15), lambda c: kit.leave(c, "c1", "l1", O.ANSWERED, 15, agent="a1")),
        w(t(9, 5, 15), lambda c: kit.wrapup(c, "c1", "a1")),
        w(t(9, 10, 15), lambda c: kit.end_call(c, "c1", t(9, 10, 15))),
        w(t(9, 10, 15), lambda c: c.execute(text(
            "UPDATE call_wrapups SET call_ended_at = :at WHERE call_id = 'c1'"), {"at": t(9, 10, 15)})),
        w(t(9, 30), lambda c: c.execute(text(
            "UPDATE call_wrapups SET done_at = :at WHERE call_id = 'c1'"), {"at": t(9, 30)})),
        # c2: a1 answers in 40 s and transfers after 240 s (wrap-up 30 s); s1's a2 answers in 10 s, talks 600 s,
        # and the state history says 60 s of wrap-up
        w(t(9, 19), lambda c: kit.call(c, "c2", t(9, 19))),
        w(t(9, 20), lambda c: kit.leg(c, "c2", "l1", t(9, 20))),
        w(t(9, 20, 40), lambda c: kit.leave(c, "c2", "l1", O.ANSWERED, 40, agent="a1", end_reason="transfer")),
        w(t(9, 24, 40), lambda c: kit.end_call(c, "c2", None, transferred=t(9, 24, 40))),
        w(t(9, 24, 40), lambda c: kit.wrapup(c, "c2", "a1", ended=t(9, 24, 40))),
        w(t(9, 24, 50), lambda c: kit.leg(c, "c2", "s1", t(9, 24, 50))),
        w(t(9, 25), lambda c: kit.leave(c, "c2", "s1", O.ANSWERED, 10, agent="a2")),
        w(t(9, 25, 10), lambda c: c.execute(text(
            "UPDATE call_wrapups SET done_at = :at WHERE call_id = 'c2'"), {"at": t(9, 25, 10)})),
        w(t(9, 30), lambda c: kit.state(c, "a1", "pause", t(9, 30))),
        w(t(9, 35), lambda c: kit.end_call(c, "c2", t(9, 35))),
        w(t(9, 35), lambda c: kit.state(c, "a2", "wrapup_start", t(9, 35), "c2")),
        w(t(9, 36), lambda c: kit.state(c, "a2", "wrapup_end", t(9, 36), "c2")),
        w(t(9, 40), lambda c: kit.state(c, "a1", "resume", t(9, 40))),
        # 09:30-10:00: a short abandon, an abandon, a callback, a timeout, one answered still talking, one waiting
        w(t(9, 40), lambda c: kit.leg(c, "c3", "l1", t(9, 40), outcome=O.ABANDONED, wait=3)),
        w(t(9, 46), lambda c: kit.leg(c, "c4", "l1", t(9, 45), outcome=O.ABANDONED, wait=60)),
        w(t(9, 51, 40), lambda c: kit.leg(c, "c5", "l1", t(9, 50), outcome=O.CALLBACK, wait=100)),
        w(t(9, 55), lambda c: kit.leg(c, "c6", "l1", t(9, 55))),
        w(t(9, 58), lambda c: kit.leg(c, "c7", "l1", t(9, 58))),
        w(t(9, 59), lambda c: kit.call(c, "c8", t(9, 59))),
        w(t(9, 59), lambda c: kit.leg(c, "c8", "l1", t(9, 59))),
        w(t(9, 59, 5), lambda c: kit.leave(c, "c8", "l1", O.ANSWERED, 5, agent="a1")),
        w(t(10), lambda c: kit.state(c, "a2", "logout", t(10))),
        w(t(10, 5), lambda c: kit.leave(c, "c6", "l1", O.TIMEOUT, 600)),
        w(t(10, 15), lambda c: kit.state(c, "a1", "logout", t(10, 15))),
    ]


EXPECTED = {
    ("l1", DAY, 17): Row(staffed_s=600),
    ("l1", DAY, 18): Row(offered=2, answered=2, answered_in_sl=1, handled=2, wait_sum_s=55,
                         handle_sum_s=(300 + 1185) + (240 + 30), staffed_s=3600),
    ("l1", DAY, 19): Row(offered=5, answered=1, answered_in_sl=1, abandoned=1, short_abandoned=1, callback=1,
                         timeout=1, wait_sum_s=5, abandoned_wait_sum_s=60, staffed_s=1200 + 1800),
    ("l1", DAY, 20): Row(staffed_s=900),
    ("s1", DAY, 18): Row(offered=1, answered=1, answered_in_sl=1, handled=1, wait_sum_s=10, handle_sum_s=600 + 60,
                         staffed_s=1800),
    ("s1", DAY, 19): Row(staffed_s=1800),
}


async def play(engine: AsyncEngine, writes: list[Write], until: datetime | None = None) -> None:
    async with engine.begin() as conn:
        for at, action in writes:
            if until is None or at <= until:
                await action(conn)


async def test_a_day_gives_exactly_the_expected_sums(db: AsyncEngine) -> None:
    await play(db, the_day())
    report = await rebuild(db, DAY, DAY, now=t(23, 59))
    table = await kit.rows(db)
    assert kit.nonzero(table) == EXPECTED
    # every queue has a row for every half-hour of the day: a quiet half-hour is a zero, not a gap
    assert len(table) == report.rows == 2 * 48


async def test_the_folds_as_the_day_goes_equal_a_rebuild_and_a_late_wrapup_is_folded_again(db: AsyncEngine) -> None:
    writes = the_day()
    played: set[int] = set()
    async with db.begin() as conn:
        await conn.execute(text("UPDATE planning_summary_state SET folded_until = :at"), {"at": t(8, 40)})
    handle_18: dict[datetime, float] = {}
    now = t(8, 47)
    while now <= t(10, 30):
        async with db.begin() as conn:
            for i, (at, action) in enumerate(writes):
                if at <= now and i not in played:
                    played.add(i)
                    await action(conn)
        report = await fold(db, now=now)
        assert report.until == now
        handle_18[now] = (await kit.rows(db))[("l1", DAY, 18)].handle_sum_s if now >= t(9) else 0.0
        now += timedelta(minutes=7)
    assert len(played) == len(writes)
    # before 09:30 c1's wrap-up was not saved: its talk alone; after, talk + wrap-up
    assert handle_18[t(9, 29)] == 300 + 240 + 30
    assert handle_18[t(9, 36)] == 300 + 1185 + 240 + 30
    folded = await kit.rows(db)
    assert kit.nonzero(folded) == EXPECTED
    await rebuild(db, DAY, DAY, now=t(10, 26))  # the last fold's now
    rebuilt = await kit.rows(db)
    # the rebuild also writes the zero rows of the night, before the folds began
    assert {key: row for key, row in rebuilt.items() if key in folded} == folded
    assert kit.nonzero(rebuilt) == kit.nonzero(folded)


async def test_the_repeated_autumn_hour_folds_into_its_slots(db: AsyncEngine) -> None:
    first, second = paris(AUTUMN, 2, 10), paris(AUTUMN, 2, 10, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    writes: list[Write] = [
        (first, lambda c: kit.leg(c, "x1", "l1", first, outcome=O.CALLBACK, wait=30)),
        (second, lambda c: kit.leg(c, "x2", "l1", second, outcome=O.CALLBACK, wait=30)),
        (first, lambda c: kit.state(c, "a1", "login", paris(AUTUMN, 1, 30))),
        (first, lambda c: kit.state(c, "a1", "logout", paris(AUTUMN, 3))),
    ]
    await play(db, writes)
    await rebuild(db, AUTUMN, AUTUMN, now=paris(AUTUMN, 12))
    table = kit.nonzero(await kit.rows(db))
    assert table == {("l1", AUTUMN, 3): Row(staffed_s=1800),
                     ("l1", AUTUMN, 4): Row(offered=2, callback=2, staffed_s=3600),
                     ("l1", AUTUMN, 5): Row(staffed_s=3600)}
    assert sum(r.staffed_s for r in table.values()) == 2.5 * 3600


async def test_the_missing_spring_hour_has_no_slots(db: AsyncEngine) -> None:
    writes: list[Write] = [
        (paris(SPRING, 3, 5), lambda c: kit.leg(c, "y1", "l1", paris(SPRING, 3, 5), outcome=O.CALLBACK, wait=20)),
        (paris(SPRING, 1, 30), lambda c: kit.state(c, "a1", "login", paris(SPRING, 1, 30))),
        (paris(SPRING, 3, 30), lambda c: kit.state(c, "a1", "logout", paris(SPRING, 3, 30))),
    ]
    await play(db, writes)
    await rebuild(db, SPRING, SPRING, now=paris(SPRING + timedelta(days=1), 12))
    table = await kit.rows(db)
    assert kit.nonzero(table) == {("l1", SPRING, 3): Row(staffed_s=1800),
                                  ("l1", SPRING, 6): Row(offered=1, callback=1, staffed_s=1800)}
    assert {s for (q, _d, s) in table if q == "l1"} == set(range(48)) - {4, 5}


async def test_a_first_fold_starts_at_midnight_and_a_rebuild_clears_stale_rows(db: AsyncEngine) -> None:
    await play(db, the_day())
    report = await fold(db, now=t(10, 30))
    assert report.since == paris(DAY, 0).astimezone(UTC)
    assert kit.nonzero(await kit.rows(db)) == EXPECTED
    async with db.begin() as conn:
        await conn.execute(text("DELETE FROM queue_legs WHERE call_id = 'c3'"))
        await conn.execute(text("INSERT INTO planning_halfhours (queue, day, slot, offered) "
                                "VALUES ('gone', :day, 3, 9)"), {"day": DAY})
    await rebuild(db, DAY, DAY, now=t(10, 30))
    table = kit.nonzero(await kit.rows(db))
    assert ("gone", DAY, 3) not in table
    assert table[("l1", DAY, 19)].short_abandoned == 0 and table[("l1", DAY, 19)].offered == 4


async def test_calls_cut_by_a_node_loss_are_offered_never_abandoned(db: AsyncEngine) -> None:
    """Two nodes (docs/scaling.md): the sweeper leaves a waiting leg `left` (end_reason node_lost) and an answered
    one answered, the call ended when its node was last seen; the summary counts them as the reports do."""
    async with db.begin() as conn:
        await kit.call(conn, "b-1", t(10, 0), ended=t(10, 1))
        await kit.leg(conn, "b-1", "l1", t(10, 0), outcome=O.LEFT, wait=60, end_reason="node_lost")
        await kit.call(conn, "b-2", t(10, 0), ended=t(10, 2))
        await kit.leg(conn, "b-2", "l1", t(10, 0), outcome=O.ANSWERED, wait=10, agent="a1", end_reason="node_lost")
    await rebuild(db, DAY, DAY, now=t(23, 59))
    row = (await kit.rows(db))[("l1", DAY, 20)]
    assert (row.offered, row.answered, row.abandoned, row.short_abandoned, row.timeout) == (2, 1, 0, 0, 0)
    assert (row.handled, row.handle_sum_s) == (1, 110.0)  # from the answer (10:00:10) to the node's last sign
