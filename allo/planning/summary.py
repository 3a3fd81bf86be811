"""The half-hour summary (`planning_halfhours`) kept as calls close, and rebuilt on demand (docs/planning.md).

- `fold`: what changed since the watermark (`planning_summary_state.folded_until`) is recomputed whole: every
  queue's half-hours from the watermark to now (adviser presence runs on without any event), and the half-hours
  of the legs that closed, of the calls that ended, of the wrap-ups done and of the wrap-up states recorded since
  then (a late wrap-up lands in the half-hour the call joined). The scan starts `OVERLAP` before the watermark, so
  a row written a little late (a commit, the recorder's queue) is still seen.
- `rebuild`: whole Paris days, `batch_days` at a time, each batch in one transaction (cleared, then recomputed).
Both run the same statement (summary_sql.RECOMPUTE), so a rebuild gives exactly what the folds gave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from allo.planning.summary_sql import CLEAR_DAYS, PARIS, RECOMPUTE, SLOT
from allo.reports.buckets import local_midnight
from routing.calendar_types import PARIS as PARIS_TZ

OVERLAP = timedelta(minutes=2)
HALF_HOUR = timedelta(minutes=30)
# No queue visit, call or wrap-up lasts a day: what closed since the watermark joined less than a day before it.
LONGEST = timedelta(days=1)

Key = tuple[str, date, int]

_LEG_KEY = f"l.queue, (l.joined_at AT TIME ZONE {PARIS})::date, {SLOT.format(t=f'(l.joined_at AT TIME ZONE {PARIS})')}"
TOUCHED = text(f"""
SELECT {_LEG_KEY} FROM queue_legs l
WHERE l.joined_at >= CAST(:since AS timestamptz) - interval '1 day' AND l.left_at >= :since
UNION
SELECT {_LEG_KEY} FROM queue_legs l WHERE l.call_id IN (
    SELECT call_id FROM queue_legs WHERE joined_at >= :since
    UNION SELECT call_id FROM calls
          WHERE started_at >= CAST(:since AS timestamptz) - interval '1 day' AND ended_at >= :since
    UNION SELECT call_id FROM call_wrapups WHERE done_at >= :since
    UNION SELECT call_id FROM agent_state_events
          WHERE at >= :since AND call_id IS NOT NULL AND state IN ('wrapup_start', 'wrapup_end'))
  AND l.joined_at >= CAST(:since AS timestamptz) - interval '2 days'
""")  # noqa: S608 (constant SQL pieces; values are bound parameters)


@dataclass(frozen=True)
class FoldReport:
    since: datetime  # where the scan started (the watermark minus the overlap)
    until: datetime  # the new watermark
    rows: int  # half-hour rows written


def paris_day(instant: datetime) -> date:
    return instant.astimezone(PARIS_TZ).date()


def floor_half_hour(instant: datetime) -> datetime:
    """The UTC half-hour holding `instant` (Paris offsets are whole hours: also the Paris half-hour)."""
    utc = instant.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 30, second=0, microsecond=0)


async def recompute(conn: AsyncConnection, *, lo: datetime, hi: datetime, horizon: datetime, key_lo: datetime,
                    extra: Sequence[Key] = ()) -> int:
    """Upsert the keys: every queue's half-hours in [key_lo, min(hi, horizon)), the legs joined then, `extra`.
    [lo, hi) must be whole Paris days holding every key. Returns the rows written."""
    result = await conn.execute(RECOMPUTE, {
        "lo": lo, "hi": hi, "horizon": horizon, "key_lo": key_lo,
        "eq": [k[0] for k in extra], "ed": [k[1] for k in extra], "es": [k[2] for k in extra]})
    return int(result.rowcount or 0)


async def fold(engine: AsyncEngine, *, now: datetime | None = None) -> FoldReport:
    """One fold, in one transaction holding the watermark row. A first fold (no watermark) starts at today's
    Paris midnight: `allo planning rebuild` summarises what came before."""
    async with engine.begin() as conn:
        until = now or await conn.scalar(text("SELECT now()"))
        assert until is not None
        mark = await conn.scalar(text("SELECT folded_until FROM planning_summary_state WHERE id = 1 FOR UPDATE"))
        since = (mark - OVERLAP) if mark is not None else local_midnight(paris_day(until))
        since = min(since, until)
        touched: list[Key] = [(r[0], r[1], int(r[2])) for r in await conn.execute(TOUCHED, {"since": since})]
        first_day = min([paris_day(since), *(k[1] for k in touched)])
        rows = await recompute(conn, lo=local_midnight(first_day), hi=until, horizon=until,
                               key_lo=floor_half_hour(since), extra=touched)
        await conn.execute(text("INSERT INTO planning_summary_state (id, folded_until) VALUES (1, :until) "
                                "ON CONFLICT (id) DO UPDATE SET folded_until = EXCLUDED.folded_until"),
                           {"until": until})
    return FoldReport(since, until, rows)


@dataclass(frozen=True)
class RebuildReport:
    first: date
    last: date
    days: int
    rows: int


async def first_day(engine: AsyncEngine) -> date | None:
    """The Paris day of the first queue leg (None: no leg at all)."""
    async with engine.connect() as conn:
        first = await conn.scalar(text("SELECT min(joined_at) FROM queue_legs"))
    return paris_day(first) if first is not None else None


async def rebuild(engine: AsyncEngine, first: date, last: date, *, now: datetime | None = None,
                  batch_days: int = 7, progress: Callable[[int], None] | None = None) -> RebuildReport:
    """Recompute the Paris days first..last (both included; today up to now), `batch_days` per transaction;
    `progress(days)` after each batch."""
    if last < first:
        raise ValueError(f"La fin ({last}) précède le début ({first}).")
    horizon = now or datetime.now(UTC)
    rows = 0
    day = first
    while day <= last:
        end = min(last, day + timedelta(days=batch_days - 1))
        lo, hi = local_midnight(day), local_midnight(end + timedelta(days=1))
        async with engine.begin() as conn:
            await conn.execute(CLEAR_DAYS, {"first": day, "last": end})
            if lo < horizon:
                rows += await recompute(conn, lo=lo, hi=hi, horizon=horizon, key_lo=lo)
        if progress is not None:
            progress((end - day).days + 1)
        day = end + timedelta(days=1)
    return RebuildReport(first, last, (last - first).days + 1, rows)
