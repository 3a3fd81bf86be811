"""The opt-in raw timings (ALLO_TIMINGS_FILE): the sink's file format and the timed routing decision."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

from allo.fastagi.timings import TimingKind, TimingsSink, timed_decide
from routing.calendar_types import PARIS
from routing.decide import CallRequest, Target
from routing.route import RouteKind
from routing.rules import Menu, RulesSnapshot, Service
from routing.service_hours import general_calendar


def rules() -> RulesSnapshot:
    return RulesSnapshot(version=1, services={"general": Service("general", "Ligne générale", "general", 1, "l1")},
                         calendars={"general": general_calendar()}, sectors={}, menus={"main": Menu("main", "p")})


def lines(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines()]


async def test_samples_are_written_as_tab_separated_lines_on_stop(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "timings.tsv"
    sink = TimingsSink(path, flush_interval=3600, lag_interval=3600)
    await sink.start()
    sink.record(TimingKind.AGI, "GET DATA", 0.0012345)
    sink.record(TimingKind.THINK, "GET DATA>STREAM FILE", 0.0004)
    assert not path.exists() or path.read_text() == ""  # nothing written on the caller's path
    await sink.stop()
    rows = lines(path)
    assert [row[1:3] for row in rows] == [["agi", "GET DATA"], ["think", "GET DATA>STREAM FILE"]]
    assert [float(row[3]) for row in rows] == [0.0012345, 0.0004]
    assert all(float(row[0]) > 1.7e9 for row in rows)  # unix time of the sample


async def test_the_background_task_flushes_while_running_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "timings.tsv"
    path.write_text("0.0\tagi\tEARLIER\t0.1\n")
    sink = TimingsSink(path, flush_interval=0.01, lag_interval=3600)
    await sink.start()
    sink.record(TimingKind.SESSION, "completed", 0.002)
    await sink.flush()
    assert [row[2] for row in lines(path)] == ["EARLIER", "completed"]
    await sink.stop()
    assert len(lines(path)) == 2  # nothing recorded twice


async def test_timed_decide_returns_the_decision_and_records_its_duration(tmp_path: Path) -> None:
    sink = TimingsSink(tmp_path / "t.tsv")
    decide = timed_decide(sink)
    open_monday = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    closed_sunday = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)
    assert decide(rules(), CallRequest(Target.LEVEL1), open_monday).route.kind is RouteKind.QUEUE
    assert decide(rules(), CallRequest(Target.LEVEL1), closed_sunday).route.kind is RouteKind.CLOSED
    await sink.stop()
    rows = lines(tmp_path / "t.tsv")
    assert [row[1:3] for row in rows] == [["decide", "level1"], ["decide", "level1"]]
    assert all(0 < float(row[3]) < 0.5 for row in rows)


async def test_event_loop_lag_is_sampled(tmp_path: Path) -> None:
    sink = TimingsSink(tmp_path / "t.tsv", flush_interval=3600, lag_interval=0.01)
    await sink.start()
    await asyncio.sleep(0.05)
    time.sleep(0.05)  # the loop is blocked: the next wake-up is late by about that much
    await asyncio.sleep(0.02)
    await sink.stop()
    lags = [float(row[3]) for row in lines(tmp_path / "t.tsv") if row[1:3] == ["lag", "loop"]]
    assert len(lags) >= 3
    assert max(lags) >= 0.035
