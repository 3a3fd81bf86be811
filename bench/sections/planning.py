"""Section 8 — planning (issue 20): the week plan from a generated year of half-hour summaries, and the
forecast's error on a held-out week.

1. `bench/planning_gen.py` draws 52 weeks (Monday 2025-12-01 .. Sunday 2026-11-29) of `planning_halfhours` rows
   for the seven queues, ~2.6 million calls (quick: 260,000 — the same number of rows, smaller counts), and they are
   loaded into the bench stack's PostgreSQL with COPY.
2. The week plan of the last week (the held-out one), several times: read the summary rows of the dates that count
   (the 8 most recent of each weekday before that week that are open, not a holiday, not closed by an exception:
   asyncpg, one query), forecast every (weekday, half-hour) of the 7 queues (acd/planning/forecast.py), and the
   advisers each of the 7 x 48 x 7 half-hours needs at its queue's own targets from the `queues` table, by Erlang C
   (acd/planning/staffing.plan_week: Erlang C by the Erlang B recursion). Wall time p50 / p95 / max, and per phase.
3. Baseline, in the same run and on the same forecasts: the textbook Erlang C with float powers and factorials,
   searching the agents from the first stable count with the whole formula again for each count (what the issue
   forbids); and the read phase as a scan of every row of the year filtered in Python, as if the summary had no
   index on the day.
5. The same week through the service's own path when the branch has it (allo/planning/plan.week_plan, the
   /planning page's: SQLAlchemy, the published rules' calendars): bench/sections/planning_service.py.
6. A fold sample (bench/sections/planning_fold.py): the held-out Monday as real calls and queue legs, summarised
   by allo/planning/summary.rebuild, timed and checked against the generated counts.
4. The forecast of the held-out week against its drawn calls (MAPE over the half-hours with calls), against its
   known expectation (the generator's, before noise), and that expectation against the drawn calls (the floor).
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

import asyncpg

from acd.planning.erlang import agents_needed
from acd.planning.staffing import PlannedSlot, plan_week
from acd.planning.types import Targets
from bench import planning_gen
from bench.sections import planning_measure as pm
from bench.sections._httpkit import percentile
from bench.sections.planning_fold import fold_sample
from bench.sections.planning_render import render
from bench.sections.planning_service import service_plan

__all__ = ["render", "run"]

TARGET_PLAN_S = 1.0
TARGET_MAPE_PCT = 10.0
WEEKS, DECAY, SHRINKAGE = 8, 0.8, 0.3  # allo/settings.py defaults (planning_weeks, planning_decay, ...)
FULL: dict[str, Any] = {"calls": 2_600_000, "runs": 20, "baseline_runs": 3, "seed": 20}
QUICK: dict[str, Any] = {"calls": 260_000, "runs": 5, "baseline_runs": 1, "seed": 20}
READ_SQL = ("SELECT queue, day, slot, offered, answered, answered_in_sl, abandoned, handled, handle_sum_s, "
            "wait_sum_s, staffed_s FROM planning_halfhours WHERE queue = ANY($1::text[]) AND day = ANY($2::date[])")
SCAN_SQL = READ_SQL.split(" WHERE ", maxsplit=1)[0]
DEFAULT_TARGETS = Targets(20.0, 80.0, 30.0)
SCALES = (1, 2, 4, 16)


async def run(stack: Any, quick: bool) -> dict[str, Any]:
    params = dict(QUICK if quick else FULL)
    started = time.monotonic()
    t0 = time.perf_counter()
    year = planning_gen.generate(params["calls"], seed=params["seed"])
    generate_s = time.perf_counter() - t0
    conn = await asyncpg.connect(stack.settings.asyncpg_dsn)
    try:
        load = await load_year(conn, year)
        targets, from_table = await queue_targets(conn)
        monday = year.start + timedelta(weeks=planning_gen.YEAR_WEEKS - 1)
        plans = [await week_plan(conn, year, monday, targets) for _ in range(params["runs"])]
        scans = [await week_plan(conn, year, monday, targets, scan=True) for _ in range(params["baseline_runs"])]
    finally:
        await conn.close()
    forecast = plans[-1].pop("forecast")
    plan = plans[-1].pop("plan")
    for p in plans + scans:
        p.pop("forecast", None)
        p.pop("plan", None)
    naive = [factorial_plan(forecast, targets) for _ in range(params["baseline_runs"])]
    peak = peaks(plan)
    mape = pm.mape_table(forecast, planning_gen.actual_week(year, monday), planning_gen.expected_week(year, monday))
    try:
        service = await service_plan(stack.settings.sqlalchemy_url, monday, params["runs"])
    except Exception as error:  # the service's plan is another part's: its failure must not lose the others
        service = {"error": f"{type(error).__name__}: {error}"[:300]}
    conn = await asyncpg.connect(stack.settings.asyncpg_dsn)
    try:  # after the plans: the rebuild rewrites the held-out Monday's rows, which no plan above reads
        fold = await fold_sample(conn, stack.settings.sqlalchemy_url, year, monday, params["seed"])
    except Exception as error:  # summary20's fold is another part's: its failure must not lose the plan's figures
        fold = {"error": f"{type(error).__name__}: {error}"[:300]}
    finally:
        await conn.close()
    result = {"parameters": {**params, "weeks": WEEKS, "decay": DECAY, "shrinkage": SHRINKAGE,
                             "held_out_monday": monday.isoformat(), "year_start": year.start.isoformat()},
              "generated": {"calls": year.calls, "rows": len(year.rows), "seconds": round(generate_s, 2),
                            "closed_days": {q: len(d) for q, d in year.closed_days.items()},
                            "closures": sorted({str(d) for days in year.closed_days.values()
                                                for d, why in days.items() if "closure" in why})},
              "load": load, "targets_used": {q: vars(t) for q, t in targets.items()},
              "targets_from_table": sorted(from_table),
              "plan": timings(plans), "plan_service": service, "plan_scan": timings(scans),
              "plan_factorial": naive_summary(naive),
              "peaks": peak, "scaling": scaling(peak["l1"], targets["l1"]), "mape": mape, "fold": fold,
              "target_plan_s": TARGET_PLAN_S, "target_mape_pct": TARGET_MAPE_PCT}
    result["duration_s"] = round(time.monotonic() - started, 1)
    result["targets"] = judged(result)
    return result


async def load_year(conn: Any, year: planning_gen.Year) -> dict[str, Any]:
    t0 = time.perf_counter()
    await conn.execute("TRUNCATE planning_halfhours")
    await conn.copy_records_to_table("planning_halfhours", records=year.rows, columns=list(planning_gen.COLUMNS))
    await conn.execute("ANALYZE planning_halfhours")
    seconds = time.perf_counter() - t0
    size = await conn.fetchval("SELECT pg_total_relation_size('planning_halfhours')")
    return {"rows": len(year.rows), "seconds": round(seconds, 2), "table_bytes": size}


async def queue_targets(conn: Any) -> tuple[dict[str, Targets], set[str]]:
    """Each queue's own targets from the `queues` table; a queue not there (a bare database) gets the columns'
    defaults (allo/db/models.py: 80 % in 20 s, ASA 30 s)."""
    rows = await conn.fetch("SELECT name, service_level, sl_target_pct, asa_target FROM queues")
    found = {r["name"]: Targets(float(r["service_level"]), float(r["sl_target_pct"]),
                                float(r["asa_target"]) if r["asa_target"] else None) for r in rows}
    return {queue: found.get(queue, DEFAULT_TARGETS) for queue in planning_gen.QUEUES}, set(found)


async def week_plan(conn: Any, year: planning_gen.Year, monday: Any, targets: dict[str, Targets], *,
                    scan: bool = False) -> dict[str, Any]:
    """One week plan, timed by phase: the dates that count, the rows read, the forecasts, Erlang C."""
    t0 = time.perf_counter()
    days = {q: pm.counted_days(cal, monday, WEEKS) for q, cal in year.calendars.items()}
    t1 = time.perf_counter()
    if scan:
        wanted = {(q, d) for q, ds in days.items() for d in ds}
        rows = [r for r in await conn.fetch(SCAN_SQL) if (r[0], r[1]) in wanted]
    else:
        rows = await conn.fetch(READ_SQL, list(days), sorted({d for ds in days.values() for d in ds}))
    history = pm.histories(rows)
    t2 = time.perf_counter()
    forecast = pm.forecasts(history, days, WEEKS, DECAY)
    t3 = time.perf_counter()
    plan = plan_week(forecast, targets, SHRINKAGE)
    t4 = time.perf_counter()
    return {"total_s": t4 - t0, "days_s": t1 - t0, "read_s": t2 - t1, "forecast_s": t3 - t2, "erlang_s": t4 - t3,
            "rows_read": len(rows), "forecast": forecast, "plan": plan}


def factorial_plan(forecast: pm.Forecasts, targets: dict[str, Targets]) -> dict[str, Any]:
    t0 = time.perf_counter()
    plan = pm.plan_slots(forecast, targets, SHRINKAGE, needed=pm.factorial_agents_needed)
    seconds = time.perf_counter() - t0
    return {"erlang_s": seconds, "plan": plan}


def timings(runs: list[dict[str, Any]]) -> dict[str, Any]:
    if not runs:
        return {}
    out: dict[str, Any] = {"runs": len(runs), "rows_read": runs[0]["rows_read"]}
    for phase in ("total_s", "days_s", "read_s", "forecast_s", "erlang_s"):
        values = [r[phase] for r in runs]
        out[phase.replace("_s", "_ms")] = {"p50": _ms(statistics.median(values)), "p95": _ms(percentile(values, 95)),
                                           "max": _ms(max(values))}
    return out


def naive_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    values = [r["erlang_s"] for r in runs]
    return {"runs": len(runs), "erlang_ms": {"p50": _ms(statistics.median(values)), "max": _ms(max(values))},
            "agents": sum(s.agents for q in runs[-1]["plan"].values() for s in q.values() if s)}


def peaks(plan: dict[str, dict[tuple[int, int], PlannedSlot]]) -> dict[str, Any]:
    """Per queue: the busiest half-hour of the week and what it needs; the week's advisers-half-hours."""
    out: dict[str, Any] = {}
    for queue, slots in plan.items():
        busy = [(key, s) for key, s in slots.items() if s.staffing is not None]
        if not busy:
            continue
        (weekday, slot), top = max(busy, key=lambda item: item[1].agents)
        out[queue] = {"weekday": weekday, "slot": slot, "agents": top.agents, "scheduled": top.scheduled,
                      "calls": round(top.forecast.calls, 1), "aht_s": round(top.aht_s or 0, 1),
                      "service_level": round(top.service_level or 0, 3), "asa_s": round(top.asa_s or 0, 1),
                      "open_slots": len(busy), "agent_halfhours": sum(s.agents for _, s in busy)}
    return out


def scaling(peak: dict[str, Any], targets: Targets) -> list[dict[str, Any]]:
    """Level 1's busiest half-hour at 1 to 16 times its calls (a topical peak): the agents and the time of one
    `agents_needed` by the recursion and by the factorial baseline (best of 3), or the baseline's error."""
    out: list[dict[str, Any]] = []
    for factor in SCALES:
        calls_per_hour = peak["calls"] * 2 * factor
        row: dict[str, Any] = {"factor": factor, "calls_per_hour": round(calls_per_hour),
                               "erlangs": round(calls_per_hour * peak["aht_s"] / 3600, 1)}
        for name, needed in (("recursion", agents_needed), ("factorial", pm.factorial_agents_needed)):
            best = None
            try:
                for _ in range(3):
                    t0 = time.perf_counter()
                    staffing = needed(calls_per_hour, peak["aht_s"], targets, SHRINKAGE)
                    best = min(best or 1e9, time.perf_counter() - t0)
                row[name] = {"agents": staffing.agents, "ms": _ms(best)}
            except OverflowError as error:
                row[name] = {"error": f"OverflowError: {error}"}
        out.append(row)
    return out


def judged(result: dict[str, Any]) -> list[dict[str, Any]]:
    p95 = result["plan"]["total_ms"]["p95"]
    mape = result["mape"]["all"]
    return [{"target": f"week plan (7 days x 48 half-hours x 7 queues: read + forecast + Erlang C) p95 < "
                       f"{TARGET_PLAN_S:g} s", "value": f"{p95} ms", "met": p95 < TARGET_PLAN_S * 1000},
            {"target": f"forecast MAPE < {TARGET_MAPE_PCT:g} % on the held-out week's known shape",
             "value": f"{mape['expected']} %", "met": mape["expected"] < TARGET_MAPE_PCT},
            {"target": f"forecast MAPE < {TARGET_MAPE_PCT:g} % on the held-out week's drawn calls (Poisson floor "
                       f"{mape['floor']} %)", "value": f"{mape['actual']} %", "met": mape["actual"] < TARGET_MAPE_PCT}]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)
