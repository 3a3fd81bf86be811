"""Markdown of section 8 (planning) from the raw result of bench.sections.planning.run."""

from __future__ import annotations

from typing import Any

from bench.sections._httpkit import fmt

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _trio(d: dict[str, Any]) -> str:
    return f"{fmt(d.get('p50'))} / {fmt(d.get('p95'))} / {fmt(d.get('max'))}"


def _slot(slot: int) -> str:
    return f"{slot // 2:02d}:{30 * (slot % 2):02d}"


def render(result: dict[str, Any]) -> str:
    p, g, load = result["parameters"], result["generated"], result["load"]
    plan, scan, naive = result["plan"], result["plan_scan"], result["plan_factorial"]
    lines = [f"A generated year ({p['year_start']}, 52 weeks; `bench/planning_gen.py`, seed {p['seed']}): "
             f"{g['calls']:,} calls in {g['rows']:,} `planning_halfhours` rows for the 7 queues, drawn in "
             f"{fmt(g['seconds'], ' s')} as per-half-hour counts (Poisson around a known weekly shape with a 3 % "
             "day-level noise), not as legs folded by the summary: the plan only ever reads the summary. Level 1 "
             "takes 55 % of the calls; the sectors keep their specialist hours; public holidays and the exceptional "
             f"closures {', '.join(g['closures'])} are closed. Loaded with COPY in {fmt(load['seconds'], ' s')} "
             f"(table and indexes {load['table_bytes'] / 1e6:.1f} MB).", "",
             f"The week plan of the held-out week from {p['held_out_monday']}: the dates that count (the "
             f"{p['weeks']} most recent of each weekday that were open, without holidays or closures), the summary "
             "rows of those dates (one asyncpg query), the forecast of every (weekday, half-hour) of the 7 queues "
             f"(acd/planning/forecast.py, decay {p['decay']}) and the advisers each half-hour needs at its queue's "
             "own targets from the `queues` table (acd/planning/staffing.plan_week: Erlang C by the Erlang B "
             f"recursion; shrinkage {p['shrinkage']}). {plan['runs']} runs; {plan['rows_read']:,} rows read per "
             "run.", "",
             "| week plan | runs | total p50 / p95 / max (ms) | dates | read | forecast | Erlang C (p50 ms) |",
             "|---|---|---|---|---|---|---|",
             _row("summary, rows of the counted dates (day index)", plan),
             _service(result.get("plan_service", {})),
             _row("baseline: scan of the whole year, filtered in Python", scan),
             f"| baseline: textbook Erlang C (float powers, factorials) on the same forecasts | {naive['runs']} | "
             f"- | - | - | - | {fmt(naive['erlang_ms']['p50'])} |", "",
             "The factorial baseline is what the issue forbids: it searches the agents from the first stable count "
             "recomputing Σ A^k/k! for each count tried, and it raises OverflowError once A^N or N! leaves the "
             f"float range (1.8e308; below); on this plan it needs {naive['agents']:,} advisers-half-hours, "
             "the same as the recursion, so only its cost differs. The scan baseline reads the whole year instead "
             "of the counted dates' rows.", "", "Busiest half-hour of the week per queue (Erlang C at the queue's "
             "targets):", "", "| queue | when | advisers on the phone | scheduled | service level | ASA (s) | "
             "open half-hours | advisers-half-hours |", "|---|---|---|---|---|---|---|---|"]
    for queue, peak in result["peaks"].items():
        lines.append(f"| {queue} | {WEEKDAYS[peak['weekday']]} {_slot(peak['slot'])} | {peak['agents']} | "
                     f"{peak['scheduled']} | {peak['service_level']:.1%} | {fmt(peak['asa_s'])} | "
                     f"{peak['open_slots']} | {peak['agent_halfhours']:,} |")
    lines += ["", "Level 1's busiest half-hour at a topical peak (its forecast calls times 1 to 16), one "
              "`agents_needed` each, best of 3:", "",
              "| calls/h | erlangs | recursion: advisers, ms | textbook factorial formula: advisers, ms |",
              "|---|---|---|---|"]
    for row in result.get("scaling", []):
        lines.append(f"| {row['calls_per_hour']:,} (x{row['factor']}) | {fmt(row['erlangs'])} | "
                     f"{_cell(row['recursion'])} | {_cell(row['factorial'])} |")
    lines += ["", "Forecast error on the held-out week (MAPE over the half-hours with calls): against the drawn "
              "calls; against the week's known expectation (the generator's, before noise); and the floor, that "
              "expectation itself against the drawn calls: what a forecast that knew the shape exactly would "
              "score, the Poisson noise alone (a half-hour of 50 calls varies by ±7, i.e. ~11 % on average). The "
              "first figure is judged on the known shape: the drawn week's own noise is not a forecasting error; "
              "the drawn-calls figure is reported and judged beside it.", "",
              "| queue | half-hours | calls | MAPE vs drawn | MAPE vs known shape | floor (shape vs drawn) |",
              "|---|---|---|---|---|---|"]
    for queue, m in result["mape"].items():
        lines.append(f"| {queue} | {m['slots']} | {m['calls']:,} | {fmt(m['actual'], ' %')} | "
                     f"{fmt(m['expected'], ' %')} | {fmt(m['floor'], ' %')} |")
    lines += ["", _fold(result.get("fold", {}), round(g["calls"] * plan["rows_read"] / g["rows"])), "", "Targets:", ""]
    lines += [f"- {t['target']}: {fmt(t['value'])} — **{'met' if t['met'] else 'not met'}**"
              for t in result["targets"]]
    lines += ["", f"Section duration {fmt(result['duration_s'], ' s')} (generation and load included). Alone:", "",
              "    make bench BENCH_ARGS=\"--sections planning --carry bench/results/<earlier full run>.json\""]
    return "\n".join(lines) + "\n"


def _row(label: str, t: dict[str, Any]) -> str:
    return (f"| {label} | {t['runs']} | {_trio(t['total_ms'])} | {fmt(t['days_ms']['p50'])} | "
            f"{fmt(t['read_ms']['p50'])} | {fmt(t['forecast_ms']['p50'])} | {fmt(t['erlang_ms']['p50'])} |")


def _cell(cell: dict[str, Any]) -> str:
    return f"`{cell['error']}`" if "error" in cell else f"{cell['agents']}, {fmt(cell['ms'])}"


def _fold(fold: dict[str, Any], calls_read: int) -> str:
    legs_read = calls_read
    if "error" in fold or not fold:
        return f"Fold sample: not measured (`{fold.get('error', 'not run')}`)."
    return (f"Fold sample: the held-out Monday {fold['day']} written as {fold['calls']:,} real `calls` and "
            f"{fold['legs']:,} `queue_legs` rows (COPY, {fmt(fold['insert_s'], ' s')}), then summarised by "
            "`allo/planning/summary.rebuild` — the statement the fold runs in `allo serve` — in "
            f"{fmt(fold['rebuild_s'], ' s')} ({fold['legs_per_s']:,} legs/s, {fold['rows_written']:,} half-hour rows "
            f"written, zeros included); the summary matches the generated counts (offered, answered, abandoned, "
            f"short abandoned) on {fold['slots_matching']} of {fold['slots_with_calls']} half-hours with calls. "
            f"Extrapolated, not measured: a plan aggregating the raw legs of its {legs_read:,} calls (the 8 weeks it "
            f"reads) at that rate would spend ~{legs_read / fold['legs_per_s']:.0f} s on it every time; the fold "
            "pays that once, as calls close.")


def _service(service: dict[str, Any]) -> str:
    label = "the service's own path, `allo/planning/plan.week_plan` (SQLAlchemy, the rules' calendars)"
    if "error" in service or not service:
        return f"| {label}: not measured (`{service.get('error', 'not run')}`) | - | - | - | - | - | - |"
    return f"| {label}, {service['queues']} queues | {service['runs']} | {_trio(service['total_ms'])} | - | - | - | - |"
