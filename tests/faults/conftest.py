"""Fault tests (issue 7): a real stack under a steady SIPp load while a fault is injected.

`make test-faults` runs this directory (`.ci/run` calls it after `make test`); at the end of the session the
records of every fault and attack test are rendered into docs/reliability.md.

The stack is the benchmarks' (bench/stack.py: PostgreSQL, Asterisk, SIPp agents answering in l1, citizens at a
rate) on its own Asterisk instance, with `allo supervise` (the supervisor `make run` uses) instead of a bare
`allo serve`, and the service's AMI session through a proxy that can go silent.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from allo.auth.roles import Role
from allo.setup import sipp
from bench.stack import BenchStack
from tests import reliability
from tests.faults.tcp_proxy import SilentableProxy
from tests.hours_kit import ALWAYS_OPEN, publish, wait_dialplan_hours

AGENTS = 12


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


def always_open(stack: BenchStack) -> None:
    """The faults send calls to the dialplan's fallback, which follows the real clock (docs/degraded-mode.md): an
    always-open calendar makes them hold at any hour CI runs."""
    assert stack.asterisk is not None
    with httpx.Client(base_url=stack.service.base_url, headers=stack.service.headers(Role.OPS), timeout=20) as client:
        summary = publish(client, ALWAYS_OPEN, "fault tests: always open")
    wait_dialplan_hours(stack.asterisk, int(summary["rules_version"]))
