"""`allo planning rebuild [--from D] [--to D]`: the half-hour summary recomputed for whole Paris days
(docs/planning.md), a week per transaction, with a progress bar on a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from allo.planning.summary import RebuildReport, first_day, paris_day, rebuild
from allo.settings import Settings

EXIT_BAD_INPUT = 2
REBUILD_TIMEOUT = 3600.0  # one batch of a busy year runs longer than the service's 10 s statements


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date attendue au format AAAA-MM-JJ, reçu « {text} »") from None


class _Progress:
    """A tqdm bar by days, on stderr."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self.bar: Any = tqdm(total=total, unit="jour", desc="résumé", file=sys.stderr)

    def __call__(self, days: int) -> None:
        self.bar.update(days)

    def close(self) -> None:
        self.bar.close()


async def _run(settings: Settings, first: date | None, last: date | None, progress: bool
               ) -> RebuildReport | None:
    engine = create_async_engine(settings.sqlalchemy_url, pool_size=1,
                                 connect_args={"command_timeout": REBUILD_TIMEOUT})
    try:
        first = first or await first_day(engine)
        if first is None:
            return None
        last = last or paris_day(datetime.now(UTC))
        if last < first:
            raise ValueError(f"--to ({last}) précède --from ({first})")
        bar = _Progress((last - first).days + 1) if progress else None
        try:
            return await rebuild(engine, first, last, progress=bar)
        finally:
            if bar is not None:
                bar.close()
    finally:
        await engine.dispose()


def rebuild_command(args: argparse.Namespace) -> int:
    settings = Settings.load(args.state_dir)
    started = time.monotonic()
    try:
        report = asyncio.run(_run(settings, args.first, args.last, args.progress or sys.stderr.isatty()))
    except ValueError as exc:
        print(f"allo planning rebuild: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if report is None:
        print("planning_halfhours: no queue leg recorded, nothing to rebuild")
        return 0
    print(f"planning_halfhours: {report.days} days rebuilt ({report.first} .. {report.last}), {report.rows} rows "
          f"in {time.monotonic() - started:.1f} s")
    return 0


def add_rebuild(planning_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rebuild_parser = planning_sub.add_parser(
        "rebuild", help="recompute the half-hour summary the forecast reads, for whole days",
        description="Recompute planning_halfhours from the queue legs, calls, wrap-ups and adviser states, for the "
        "Paris days --from .. --to (default: from the first queue leg to today). Safe to run at any time, also "
        "while `allo serve` folds.")
    rebuild_parser.add_argument("--from", dest="first", type=_day, default=None, metavar="AAAA-MM-JJ")
    rebuild_parser.add_argument("--to", dest="last", type=_day, default=None, metavar="AAAA-MM-JJ")
    rebuild_parser.add_argument("--progress", action="store_true", help="show the progress bar even without a "
                                "terminal")
    rebuild_parser.set_defaults(func=rebuild_command)
