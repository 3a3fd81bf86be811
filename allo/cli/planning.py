"""`allo planning …` (docs/planning.md). `erlang`: Erlang C figures for a number of agents, or the fewest agents
meeting a service level, as JSON. Pure arithmetic: no database, nothing written."""

from __future__ import annotations

import argparse
import json
import math
import sys

from acd.planning.erlang import PlanningInputError, agents_needed, check_targets, figures, meets
from acd.planning.types import Staffing, Targets
from allo.settings import Settings

# Same exit code as argparse's own usage errors: the command line is wrong, nothing ran.
EXIT_BAD_INPUT = 2


def _as_json(staffing: Staffing, traffic: float, targets: Targets, shrinkage: float) -> str:
    return json.dumps({
        "agents": staffing.agents,
        "service_level": round(staffing.service_level, 6),
        "p_wait": round(staffing.p_wait, 6),
        "asa_s": None if math.isinf(staffing.asa_s) else round(staffing.asa_s, 3),  # None: the queue is unstable
        "occupancy": round(staffing.occupancy, 6),
        "scheduled": staffing.scheduled,
        "traffic_erlangs": round(traffic, 6),
        "shrinkage": shrinkage,
        "meets_targets": meets(staffing, targets),
    })


def erlang_command(args: argparse.Namespace) -> int:
    shrinkage: float = (args.shrinkage if args.shrinkage is not None
                        else Settings.load(args.state_dir).planning_shrinkage)
    targets = Targets(target_seconds=args.target_seconds, target_percent=args.target_percent,
                      max_asa_s=args.max_asa)
    try:
        check_targets(targets)
        if args.agents is None:
            staffing = agents_needed(args.calls_per_hour, args.aht, targets, shrinkage)
        else:
            staffing = figures(args.calls_per_hour, args.aht, args.agents, args.target_seconds, shrinkage)
    except PlanningInputError as exc:
        print(f"allo planning erlang: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(_as_json(staffing, args.calls_per_hour * args.aht / 3600.0, targets, shrinkage))
    return 0


def add_erlang(planning_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    erlang = planning_sub.add_parser(
        "erlang", help="Erlang C: agents needed for a service level, or the figures of a number of agents (JSON)",
        description="Without --agents: the fewest agents on the phone meeting the targets. With --agents: what that "
        "many agents achieve. Prints agents, service_level, p_wait, asa_s (null: unstable queue), occupancy and "
        "scheduled (agents / (1 - shrinkage), rounded up).")
    erlang.add_argument("--calls-per-hour", type=float, required=True, metavar="N", help="arrivals per hour")
    erlang.add_argument("--aht", type=float, required=True, metavar="S",
                        help="average handling time in seconds (talk + wrap-up)")
    erlang.add_argument("--target-percent", type=float, required=True, metavar="P",
                        help="service level: percent of calls answered within --target-seconds (e.g. 80)")
    erlang.add_argument("--target-seconds", type=float, required=True, metavar="T", help="e.g. 20")
    erlang.add_argument("--max-asa", type=float, default=None, metavar="S",
                        help="also keep the average speed of answer at or below this many seconds")
    erlang.add_argument("--agents", type=int, default=None, metavar="K", help="figures for this many agents")
    erlang.add_argument("--shrinkage", type=float, default=None, metavar="F",
                        help="share of scheduled time off the phone, in [0, 1) (default: ALLO_PLANNING_SHRINKAGE)")
    erlang.set_defaults(func=erlang_command)
