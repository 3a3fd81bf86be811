"""`allo directory import` as a command (subprocess, the session's database): exit codes, counts, messages. Only
partial imports of ids of its own here: the shared database keeps the demo directory other tests search."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.integration.allo.directory.dir_kit import EDGE, records, write

pytestmark = pytest.mark.integration


def _allo(test_settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLO_STATE_DIR": str(test_settings.state_dir), "ALLO_PG_PORT": str(test_settings.pg_port)}
    return subprocess.run([sys.executable, "-m", "allo.cli.main", "directory", "import", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_partial_import_prints_counts_then_nothing_new(test_settings, seeded):
    first = _allo(test_settings, str(EDGE), "--partial")
    assert first.returncode == 0, first.stderr
    assert "annuaire-edge.json: 3 records read" in first.stdout and "(partial: nothing retired)" in first.stdout
    assert "warning: service[0] 00000000-3939-4000-9000-000000000101: opening range" in first.stderr
    again = _allo(test_settings, str(EDGE), "--partial", "--progress")
    assert again.returncode == 0 and "0 added, 0 updated, 3 unchanged" in again.stdout
    assert "annuaire" in again.stderr and "B/s" in again.stderr  # the tqdm bar, asked for off a TTY


def test_bad_record_exits_1_with_its_index_and_skip_bad_lists_it(test_settings, seeded, tmp_path):
    service = [r for r in records(EDGE)]
    service.insert(1, {"id": "00000000-3939-4000-9000-000000000199", "nom": ""})
    path = write(tmp_path, "bad.json", service)
    started = time.monotonic()
    refused = _allo(test_settings, str(path), "--partial")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "nothing changed" in refused.stderr and "service[1]" in refused.stderr and 'no "nom"' in refused.stderr
    skipped = _allo(test_settings, str(path), "--partial", "--skip-bad")
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout
    assert "skipped service[1] 00000000-3939-4000-9000-000000000199" in skipped.stdout
    missing = _allo(test_settings, str(tmp_path / "absent.json"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert time.monotonic() - started < 60
