"""`python -m bench [--quick] [--sections journey,fastagi]`: runs the sections on one BenchStack, then writes
bench/results/<UTC>.json and regenerates docs/benchmarks.md (sections not run say so)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import re
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.stack import BenchStack

QUICK_SECTIONS = ("journey", "fastagi")
# Run only when named (--sections cluster): the full run's 30 min budget predates it (section 9, ~3 min).
OPT_IN_SECTIONS = ("cluster",)


async def main(quick: bool, sections: list[str], agents: int) -> dict[str, Any]:
    started = time.monotonic()
    result: dict[str, Any] = {"started_utc": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"), "quick": quick,
                              "command": " ".join(["python -m bench", *sys.argv[1:]]), "sections": {}}
    # Supervised, with the production watchdog: the heaviest load must not make it kill a healthy service.
    async with BenchStack(agents=agents, supervised=True) as stack:
        result["machine"] = report.machine_facts(stack.asterisk.cli if stack.asterisk else None)
        result["stack"] = stack.facts
        stack.results = result["sections"]  # later sections read earlier ones (fastagi: section 1's best rate)
        for name in sections:
            t0 = time.monotonic()
            print(f"[bench] section {name} ({'quick' if quick else 'full'})", flush=True)
            try:
                module = importlib.import_module(f"bench.sections.{name}")
                result["sections"][name] = {"result": await module.run(stack, quick)}
            except Exception as error:  # one broken section must not lose the others' figures
                traceback.print_exc()
                result["sections"][name] = {"error": f"{type(error).__name__}: {error}"}
            result["sections"][name]["duration_s"] = round(time.monotonic() - t0, 1)
            await stack.idle(30)
        result["watchdog"] = stack.service.watchdog_report()
    result["duration_s"] = round(time.monotonic() - started, 1)
    return result


def cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced steps (development), sections 1 and 3")
    parser.add_argument("--sections", help=f"comma-separated, among {', '.join(report.SECTIONS)}")
    parser.add_argument("--agents", type=int, default=100, help="SIPp agents logged in to l1")
    parser.add_argument("--carry", metavar="JSON", help="copy the sections not run now from an earlier results "
                        "file, so that a one-section run keeps the others' figures in docs/benchmarks.md (said so)")
    parser.add_argument("--render", metavar="JSON", help="only regenerate docs/benchmarks.md from a results file "
                        "(after editing bench/analysis.md); runs nothing")
    args = parser.parse_args()
    if args.render:
        path = Path(args.render)
        print(f"[bench] report {report.write_markdown(json.loads(path.read_text()), path)} from {path}")
        return 0
    default = QUICK_SECTIONS if args.quick else tuple(n for n in report.SECTIONS if n not in OPT_IN_SECTIONS)
    sections = [s.strip() for s in args.sections.split(",")] if args.sections else list(default)
    unknown = set(sections) - set(report.SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    result = asyncio.run(main(args.quick, sections, args.agents))
    if args.carry:
        carry(result, Path(args.carry))
    path = report.write_json(result)
    doc = report.write_markdown(result, path)
    print(f"[bench] raw results {path}; report {doc} ({result['duration_s']:.0f} s)")
    watchdog_ok = watchdog_verdict(result.get("watchdog"))
    return 0 if watchdog_ok and all("error" not in s for s in result["sections"].values()) else 1


def carry(result: dict[str, Any], path: Path) -> None:
    """Sections of `path` not run in `result`, copied into it with a note naming the run each was measured in
    (`carried_from`: a section carried twice keeps its first run)."""
    earlier = json.loads(path.read_text())
    carried = [name for name in report.SECTIONS
               if name not in result["sections"] and name in earlier.get("sections", {})]
    runs: dict[str, list[str]] = {}
    for name in carried:
        entry = dict(earlier["sections"][name])
        entry.setdefault("carried_from", origin(earlier, name))
        result["sections"][name] = entry
        runs.setdefault(entry["carried_from"], []).append(name)
    if carried:
        groups = [f"{', '.join(names)} from the run {run}" for run, names in runs.items()]
        result["note"] = (f"Sections {groups[0].replace(' from the run ', ' are carried unchanged from the run ')}"
                          + "".join(f"; {group}" for group in groups[1:])
                          + f" ({'quick' if earlier.get('quick') else 'full'} mode, `{path.name}`); only "
                          f"{', '.join(n for n in result['sections'] if n not in carried)} ran now.")


def origin(earlier: dict[str, Any], name: str) -> str:
    """The run a section of `earlier` was measured in: its `carried_from`, else the run named by an older file's
    note for the sections it carried, else `earlier`'s own run."""
    entry = earlier.get("sections", {}).get(name, {})
    if "carried_from" in entry:
        return str(entry["carried_from"])
    said = re.match(r"Sections (.+?) are carried unchanged from the run (\S+) ", earlier.get("note", ""))
    if said and name in [n.strip() for n in said.group(1).split(",")]:
        return said.group(2)
    return str(earlier["started_utc"])


def watchdog_verdict(watchdog: dict[str, Any] | None) -> bool:
    """Print what the watchdog saw; False (the bench fails) when it killed the service or did not run."""
    if watchdog is None:
        print("[bench] FAILED: no watchdog status (allo supervise did not run?)", flush=True)
        return False
    print(f"[bench] watchdog: {watchdog['watchdog_kills']} kill(s), largest heartbeat gap "
          f"{watchdog['max_heartbeat_gap_s']:g} s (threshold {watchdog['threshold_s']:g} s), "
          f"{watchdog['starts']} start(s) of allo serve", flush=True)
    if watchdog["watchdog_kills"]:
        print(f"[bench] FAILED: the watchdog killed a service under load {watchdog['watchdog_kills']} time(s): "
              f"{watchdog['kills']}; the figures of this run are not valid (docs/decisions.md, watchdog)",
              flush=True)
        return False
    return True


if __name__ == "__main__":
    sys.exit(cli())
