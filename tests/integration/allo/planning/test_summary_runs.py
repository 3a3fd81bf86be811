"""How the summary runs: the fold inside `allo serve` by one process at a time (the advisory lock, taken over when
the folder stops; a failed fold counted, the loop going on), and `allo planning rebuild` on the command line."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from allo.cli.main import main
from allo.db.models import LegOutcome as O
from allo.metrics import Metrics
from allo.planning.fold_task import LOCK_KEY, SummaryFold
from allo.setup.sipp import free_port
from tests.integration.allo.planning import summary_kit as kit
from tests.integration.allo.planning.summary_kit import paris

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 17)

# Not the service's key: the session's `allo serve`, when running, holds LOCK_KEY and folds on its own.
TEST_LOCK_KEY = LOCK_KEY + 1_000_000


def done(metrics: Metrics) -> float:
    return metrics.planning_folds.labels("done")._value.get()


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_one_process_folds_and_another_takes_over_when_it_stops(db: AsyncEngine) -> None:
    first_metrics, second_metrics = Metrics(), Metrics()
    first = SummaryFold(db, 0.05, first_metrics, lock_key=TEST_LOCK_KEY)
    second = SummaryFold(db, 0.05, second_metrics, lock_key=TEST_LOCK_KEY)
    await first.start()
    try:
        await until(lambda: done(first_metrics) >= 1)
        await second.start()
        seen = done(first_metrics)
        await until(lambda: done(first_metrics) >= seen + 3)  # the second had rounds meanwhile
        assert first.leader and not second.leader and done(second_metrics) == 0
        await first.stop()
        await until(lambda: done(second_metrics) >= 1)
        assert second.leader and second.last is not None
    finally:
        await first.stop()
        await second.stop()


async def test_allo_planning_rebuild_on_the_command_line(db: AsyncEngine, summary_url, tmp_path, monkeypatch,
                                                         capsys) -> None:
    monkeypatch.setenv("ALLO_DATABASE_URL", summary_url)
    async with db.begin() as conn:
        await kit.leg(conn, "c1", "l1", paris(DAY, 9, 5), outcome=O.ABANDONED, wait=30)
        await kit.leg(conn, "c2", "l1", paris(DAY, 14, 40), outcome=O.CALLBACK, wait=90)
    base = ["--state-dir", str(tmp_path / "state"), "planning", "rebuild"]
    assert await asyncio.to_thread(main, [*base, "--from", "2026-11-16", "--to", "2026-11-18", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert "3 days rebuilt (2026-11-16 .. 2026-11-18), 288 rows" in out
    assert "résumé" in err and "3/3" in err  # the progress bar
    table = kit.nonzero(await kit.rows(db))
    assert table == {("l1", DAY, 18): kit.Row(offered=1, abandoned=1, abandoned_wait_sum_s=30),
                     ("l1", DAY, 29): kit.Row(offered=1, callback=1)}
    # without --from: from the first leg's day
    assert await asyncio.to_thread(main, [*base, "--to", "2026-11-17"]) == 0
    assert "1 days rebuilt (2026-11-17 .. 2026-11-17)" in capsys.readouterr().out
    assert await asyncio.to_thread(main, [*base, "--from", "2026-11-18", "--to", "2026-11-17"]) == 2
    assert "précède" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        await asyncio.to_thread(main, [*base, "--from", "17/11/2026"])
    assert refused.value.code == 2
    assert "AAAA-MM-JJ" in capsys.readouterr().err


async def test_a_fold_that_fails_is_counted_and_the_loop_goes_on(caplog) -> None:
    away = create_async_engine(f"postgresql+asyncpg://allo:x@127.0.0.1:{free_port()}/allo",
                               connect_args={"timeout": 1})
    metrics = Metrics()
    failing = SummaryFold(away, 0.05, metrics, lock_key=TEST_LOCK_KEY)
    await failing.start()
    try:
        await until(lambda: metrics.planning_folds.labels("failed")._value.get() >= 2)
        assert failing.running and not failing.leader
    finally:
        await failing.stop()
        await away.dispose()
    assert done(metrics) == 0 and "planning fold failed" in caplog.text
