"""`make test-cluster`: one two-node cluster for the whole session (tests/cluster/cluster_kit.py), figures rendered
into docs/reliability.md at the end (tests/reliability.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import reliability
from tests.cluster.cluster_kit import ClusterUnderTest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make run-cluster`'s own test first: before a module starts the shared cluster below (test_run_cluster.py
    says why)."""
    items.sort(key=lambda item: item.path.name != "test_run_cluster.py")  # stable: the rest keep their order


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if reliability.load_records():
        print(f"\n[allo] {reliability.write_doc()} rendered from {reliability.RESULTS_DIR}")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterUnderTest]:
    under_test = ClusterUnderTest(tmp_path_factory.mktemp("cluster") / "state")
    try:
        under_test.start()
        yield under_test
    finally:
        under_test.stop()
