"""Fault tests (issue 7): a real stack under a steady SIPp load while a fault is injected.

`make test-faults` runs this directory (`.ci/run` calls it after `make test`); at the end of the session the
records of every fault and attack test are rendered into docs/reliability.md.

The stack is the benchmarks' (bench/stack.py: PostgreSQL, Asterisk, SIPp agents answering in l1, citizens at a
rate) on its own Asterisk instance, with `allo supervise` (the supervisor `make run` uses) instead of a bare
`allo serve`, and the service's AMI session through a proxy that can go silent.

The supervisor's watchdog runs with the production threshold (Settings.watchdog_seconds, 10 s): no test may make it
kill a healthy service under load. Each test checks that the number of watchdog kills did not change (but for the
kills it makes on purpose, `@pytest.mark.watchdog_kills(n)`), and the end of the session records the largest
heartbeat gap seen in `<state>/watchdog.json` for docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from allo.auth.roles import Role
from allo.settings import Settings
from allo.setup import sipp
from allo.watchdog.status import read_status
from bench.stack import BenchStack
from tests import reliability
from tests.faults.fault_kit import watchdog_kills
from tests.faults.tcp_proxy import SilentableProxy
from tests.hours_kit import ALWAYS_OPEN, publish, wait_dialplan_hours

AGENTS = 12
ON_PURPOSE: list[int] = []  # watchdog kills the tests of this session made on purpose


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if reliability.load_records():
        print(f"\n[allo] {reliability.write_doc()} rendered from {reliability.RESULTS_DIR}")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ami_proxy() -> AsyncIterator[SilentableProxy]:
    proxy = SilentableProxy("127.0.0.1", sipp.free_port())
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory, ami_proxy: SilentableProxy) -> AsyncIterator[BenchStack]:
    state: Path = tmp_path_factory.mktemp("faults") / "state"
    async with BenchStack(agents=AGENTS, talk_ms=500, state_dir=state, instance=f"faults-{os.getpid()}",
                          supervised=True, ports={"ami_port": ami_proxy.target[1]},
                          service_env={"ALLO_AMI_PORT": str(ami_proxy.port)}) as bench_stack:
        await asyncio.to_thread(always_open, bench_stack)
        yield bench_stack
        _record_watchdog(bench_stack)


@pytest.fixture(autouse=True)
def no_unexpected_watchdog_kill(request: pytest.FixtureRequest, stack: BenchStack) -> Iterator[None]:
    """The watchdog killed nothing during the test, but what the test kills on purpose."""
    marker = request.node.get_closest_marker("watchdog_kills")
    expected = int(marker.args[0]) if marker is not None else 0
    before = watchdog_kills(stack)
    yield
    status = read_status(stack.settings.state_dir)
    killed = watchdog_kills(stack) - before
    ON_PURPOSE.append(expected)
    assert killed == expected, f"the watchdog killed allo serve {killed} time(s) (expected {expected}): {status}"


def _record_watchdog(stack: BenchStack) -> None:
    status = read_status(stack.settings.state_dir)
    if status is None:
        return
    on_purpose = sum(ON_PURPOSE)
    defaults = Settings.model_fields
    reliability.record(
        "watchdog-under-load", kind="fault", title="The watchdog under the fault tests' load: no healthy service "
        "killed", load=f"every fault test of the session ({len(ON_PURPOSE)}), SIPp citizens at 3 calls/s",
        passed=status["watchdog_kills"] == on_purpose,
        observed={"threshold / start-up grace (s)": f"{status['threshold_s']:g} / {status['grace_s']:g}",
                  "default threshold / grace (Settings)": f"{defaults['watchdog_seconds'].default:g} / "
                                                          f"{defaults['watchdog_grace_seconds'].default:g}",
                  "largest gap between two heartbeats (s; beat every 1 s)": status["max_heartbeat_gap_s"],
                  "gaps over a quarter of the threshold (service survived)": status["stalls"],
                  "longest start-up, start to first beat (s)": status["max_first_beat_after_s"],
                  "allo serve starts": status["starts"],
                  "watchdog kills": status["watchdog_kills"],
                  "of which on purpose (SIGSTOP test)": on_purpose},
        notes="Gaps are measured by `allo supervise` between two beats of the same `allo serve` (the silence "
              "that ended in a kill is not a gap). The threshold must stay well above the largest gap a healthy "
              "service shows under load (docs/decisions.md).")


def always_open(stack: BenchStack) -> None:
    """The faults send calls to the dialplan's fallback, which follows the real clock (docs/degraded-mode.md): an
    always-open calendar makes them hold at any hour CI runs."""
    assert stack.asterisk is not None
    with httpx.Client(base_url=stack.service.base_url, headers=stack.service.headers(Role.OPS), timeout=20) as client:
        summary = publish(client, ALWAYS_OPEN, "fault tests: always open")
    wait_dialplan_hours(stack.asterisk, int(summary["rules_version"]))
