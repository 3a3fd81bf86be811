"""`make test-ha`: allo's database as a pg_auto_failover formation (a monitor, a primary and its synchronous
standby) on free ports, started once for the module, with the short failover timeouts of allo/setup/pg_ha.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from allo.settings import Settings
from allo.setup.pg_ha import PgAutoFailover
from allo.setup.secrets import ensure_secrets
from allo.setup.sipp import free_port
from tests import reliability


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The figures (« Base de données ») into docs/reliability.md with the other records of this clone."""
    if reliability.load_records():
        print(f"\n[allo] {reliability.write_doc()} rendered from {reliability.RESULTS_DIR}")


@dataclass(frozen=True)
class Formation:
    ha: PgAutoFailover
    settings: Settings  # ALLO_DATABASE_URL: both data nodes, target_session_attrs=read-write
    password: str


@pytest.fixture(scope="module")
def formation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Formation]:
    state = tmp_path_factory.mktemp("allo-ha")
    state.chmod(0o755)
    ensure_secrets(state)
    password = Settings.load(state).pg_password.get_secret_value()
    ha = PgAutoFailover(state, free_port(), (free_port(), free_port()))
    try:
        ha.start(password)
        ha.migrate(password)
        settings = Settings.load(state).model_copy(update={"database_url": ha.url(password)})
        yield Formation(ha, settings, password)
    finally:
        ha.destroy()
