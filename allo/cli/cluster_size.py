"""`allo cluster size` (docs/scaling.md, « The road to many »): the sizing table for a volume of calls a year, as
Markdown or JSON. Pure arithmetic (acd/planning/sizing.py): no database, nothing written. The node's figures
default to the bench's (docs/benchmarks.md) and can be read from a bench results file (`--bench`)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import holidays

from acd.planning.erlang import PlanningInputError
from acd.planning.sizing import NodeCapacity, Sizing, SizingInputError, SizingInputs, open_days, size

EXIT_BAD_INPUT = 2
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULTS = SizingInputs(calls_per_year=220e6, open_days=0)


def bench_figures(results: dict[str, Any]) -> dict[str, float]:
    """The node's figures measured by a bench run (bench/results/<UTC>.json): the lower of section 1's best allo
    rate and section 9's best rate through Kamailio, section 2's most calls held, and section 9's planned Kamailio
    requests/s, requests and rows per call and planned rows/s of a primary. Missing figures are left out (the
    defaults stay)."""
    sections = results.get("sections", {})
    found: dict[str, float] = {}
    cluster = sections.get("cluster", {}).get("result", {})
    # The lower of section 1's 60 s hold and section 9's rate through Kamailio (the path the cluster takes).
    rates = [r for r in (sections.get("journey", {}).get("result", {}).get("best", {}).get("allo"),
                         cluster.get("best", {}).get("proxy", {}).get("calls_per_s")) if r]
    if rates:
        found["node_calls_per_s"] = float(min(rates))
    held = sections.get("concurrency", {}).get("result", {}).get("best_calls")
    if held:
        found["node_concurrent"] = float(held)
    for key in ("kamailio_requests_per_s", "db_rows_per_call", "sip_requests_per_call", "db_rows_per_s"):
        value = cluster.get("planning", {}).get(key)
        if value:
            found[key] = float(value)
    return found


def inputs_from(args: argparse.Namespace) -> SizingInputs:
    measured = bench_figures(json.loads(Path(args.bench).read_text())) if args.bench else {}

    def pick(name: str, default: float) -> float:
        given = getattr(args, name, None)
        return float(given) if given is not None else measured.get(name, default)

    node = NodeCapacity(calls_per_s=pick("node_calls_per_s", DEFAULTS.node.calls_per_s),
                        concurrent=round(pick("node_concurrent", DEFAULTS.node.concurrent)),
                        headroom=pick("headroom", DEFAULTS.node.headroom))
    days = open_days(args.year, args.open_weekdays, holidays.country_holidays("FR", years=args.year))
    return SizingInputs(
        calls_per_year=args.calls_per_year, open_days=days, open_weekdays=args.open_weekdays,
        open_from=args.open_from, open_to=args.open_to, node=node, menu_s=pick("menu_s", DEFAULTS.menu_s),
        talk_s=pick("talk_s", DEFAULTS.talk_s), wrapup_s=pick("wrapup_s", DEFAULTS.wrapup_s),
        target_percent=pick("target_percent", DEFAULTS.target_percent),
        target_seconds=pick("target_seconds", DEFAULTS.target_seconds),
        shrinkage=pick("shrinkage", DEFAULTS.shrinkage),
        sip_requests_per_call=pick("sip_requests_per_call", DEFAULTS.sip_requests_per_call),
        register_s=pick("register_s", DEFAULTS.register_s), qualify_s=pick("qualify_s", DEFAULTS.qualify_s),
        kamailio_requests_per_s=pick("kamailio_requests_per_s", DEFAULTS.kamailio_requests_per_s),
        db_rows_per_call=pick("db_rows_per_call", DEFAULTS.db_rows_per_call),
        db_rows_per_s=pick("db_rows_per_s", DEFAULTS.db_rows_per_s))


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


def markdown(inputs: SizingInputs, year: int, result: Sizing) -> str:
    i, r, node = inputs, result, inputs.node
    rows = [
        ("Calls a year", _n(i.calls_per_year), "given"),
        ("Open days", str(i.open_days), f"{year}, Monday to {WEEKDAYS[i.open_weekdays - 1]}, French public "
         "holidays closed"),
        ("Calls per open day", _n(r.calls_per_open_day), "calls a year / open days"),
        ("Peak day factor", f"{r.peak_day_factor:.3f}", "busiest weekday / mean open weekday (planning profile)"),
        ("Peak hour share of the day", f"{100 * r.peak_hour_share:.1f} %",
         f"busiest hour of {i.open_from} h to {i.open_to} h (planning profile)"),
        ("Peak calls per hour", _n(r.peak_calls_per_hour), "per day x day factor x hour share"),
        ("Peak calls per second", _n(r.peak_calls_per_s, 1), "per hour / 3 600"),
        ("Advisers' traffic (erlangs)", _n(r.traffic_erlangs), f"talk {i.talk_s:g} s + wrap-up {i.wrapup_s:g} s"),
        ("Shards (one ACD each)", str(r.shards), f"each within {100 * node.headroom:g} % of a node "
         f"({node.calls_per_s:g} calls/s, {node.concurrent} channels)"),
        ("Mean wait (Erlang C ASA)", f"{r.mean_wait_s:.0f} s", f"per shard, {i.target_percent:g} % within "
         f"{i.target_seconds:g} s (achieved {100 * r.service_level:.1f} %)"),
        ("Concurrent calls", _n(r.concurrent_calls), f"Little: rate x (menu {i.menu_s:g} s + wait + talk)"),
        ("Channels on the nodes", _n(r.channels), "two per call in talk"),
        ("Advisers on the phone", _n(r.advisers_on_phone), "Erlang C per shard x shards"),
        ("Advisers scheduled", _n(r.advisers_scheduled), f"shrinkage {i.shrinkage:g}"),
        ("SIP nodes, active/standby pairs", str(r.sip_nodes_pairs), "2 x shards (docs/scaling.md contract)"),
        ("SIP nodes, N+1", str(r.sip_nodes_n_plus_1), "shards + one shared standby"),
        ("SIP requests/s at Kamailio", _n(r.sip_requests_per_s), f"{i.sip_requests_per_call:g} a call, REGISTER "
         f"every {i.register_s:g} s, qualify every {i.qualify_s:g} s from both nodes"),
        ("Kamailio instances", str(r.kamailio_instances), f"{_n(i.kamailio_requests_per_s)} requests/s each, N+1"),
        ("Database row writes/s", _n(r.db_rows_per_s), f"{i.db_rows_per_call:g} rows a call"),
        ("Database shards", str(r.db_shards), f"{_n(i.db_rows_per_s)} rows/s planned per primary"),
    ]
    lines = ["| quantity | value | how |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {how} |" for name, value, how in rows]
    return "\n".join(lines) + "\n"


def size_command(args: argparse.Namespace) -> int:
    try:
        inputs = inputs_from(args)
        result = size(inputs)
    except (SizingInputError, PlanningInputError) as exc:
        print(f"allo cluster size: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, ValueError) as exc:  # an unreadable or malformed --bench file
        print(f"allo cluster size: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        print(json.dumps({"inputs": asdict(inputs), "year": args.year, "sizing": result.as_dict()}, indent=2))
    else:
        print(markdown(inputs, args.year, result), end="")
    return 0


def add_size(cluster_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = cluster_sub.add_parser(
        "size", help="sizing table: peak rate, concurrent calls, advisers, nodes, Kamailio, database (Markdown/JSON)",
        description="From calls a year to the peak hour (allo's planning profile), concurrent calls (Little's law), "
        "advisers (Erlang C per shard), SIP nodes, Kamailio instances and database shards (docs/scaling.md).")
    p.add_argument("--calls-per-year", type=float, default=DEFAULTS.calls_per_year, metavar="N")
    p.add_argument("--year", type=int, default=2026, help="calendar for the open days (French public holidays)")
    p.add_argument("--open-weekdays", type=int, default=DEFAULTS.open_weekdays, help="5: Monday to Friday")
    p.add_argument("--open-from", type=int, default=DEFAULTS.open_from, metavar="H")
    p.add_argument("--open-to", type=int, default=DEFAULTS.open_to, metavar="H")
    floats = (("--menu", "menu_s", "answer to queue, s"), ("--talk", "talk_s", "talk, s"),
              ("--wrapup", "wrapup_s", "after-call work, s"),
              ("--target-percent", "target_percent", "service level, %%"),
              ("--target-seconds", "target_seconds", "the service level's threshold, s"),
              ("--shrinkage", "shrinkage", "share of scheduled time off the phone"),
              ("--node-calls-per-s", "node_calls_per_s", "calls/s one node holds (docs/benchmarks.md § 1)"),
              ("--node-concurrent", "node_concurrent", "channels with audio one node holds (§ 2)"),
              ("--headroom", "headroom", "planned share of a node's ceiling"),
              ("--sip-requests-per-call", "sip_requests_per_call", "SIP requests through Kamailio per call"),
              ("--register", "register_s", "advisers' registration refresh, s"),
              ("--qualify", "qualify_s", "the nodes' qualify interval, s"),
              ("--kamailio-requests-per-s", "kamailio_requests_per_s", "planned requests/s of one Kamailio"),
              ("--db-rows-per-call", "db_rows_per_call", "rows written per call"),
              ("--db-rows-per-s", "db_rows_per_s", "planned rows/s of one PostgreSQL primary"))
    for flag, dest, what in floats:
        p.add_argument(flag, dest=dest, type=float, default=None, help=f"{what} (default: {_default(dest)})")
    p.add_argument("--bench", metavar="JSON", help="read the node's figures from a bench results file")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.set_defaults(func=size_command)


def _default(dest: str) -> str:
    if dest.startswith("node_") or dest == "headroom":
        return f"{getattr(DEFAULTS.node, dest.removeprefix('node_'))}"
    return f"{getattr(DEFAULTS, dest)}"


def add_cluster(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cluster = sub.add_parser("cluster", help="the cluster of nodes (docs/scaling.md)")
    cluster_sub = cluster.add_subparsers(dest="cluster_command", required=True)
    add_size(cluster_sub)
