"""Fault tests (issue 7): a real stack under a steady SIPp load while a fault is injected.

`make test-faults` runs this directory (`.ci/run` calls it after `make test`); at the end of the session the
records of every fault and attack test are rendered into docs/reliability.md.
"""

from __future__ import annotations

import pytest
import reliability


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if reliability.load_records():
        print(f"\n[allo] {reliability.write_doc()} rendered from {reliability.RESULTS_DIR}")
