"""`allo doctor` on the configuration rendered for the test stack, and the AMI permission table of the doctor
against the running Asterisk 22."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from allo.doctor.ami_perms import ACTIONS, READ, write_classes
from allo.setup.sipp import free_port

pytestmark = pytest.mark.integration


def run_doctor(settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"ALLO_STATE_DIR": str(settings.state_dir), "ALLO_PG_PORT": str(settings.pg_port),
            "ALLO_ASTERISK_INSTANCE": settings.asterisk_instance}
    return subprocess.run([sys.executable, "-m", "allo.cli.main", "doctor", *args], env={**os.environ, **base, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def conf_dir(asterisk) -> Path:
    return asterisk.host_path(asterisk.etc_dir)


def test_doctor_passes_on_the_configuration_of_the_test_stack(test_settings, asterisk, seeded):
    done = run_doctor(test_settings)  # default: this instance's rendered configuration, and the database
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"allo doctor: {conf_dir(asterisk)}\n" in done.stdout
    checked = re.search(r"database: (\d+) agent\(s\) checked", done.stdout)
    assert checked and int(checked.group(1)) >= len(seeded.agents) >= 5, done.stdout
    assert re.search(r"pjsip: (\d+) endpoint\(s\), (\d+) with digest auth, 1 without", done.stdout)
    assert done.stdout.rstrip().endswith("allo doctor: no problem found")


def test_doctor_without_a_database_checks_the_files_and_says_so(test_settings, asterisk, seeded):
    done = run_doctor(test_settings, ALLO_PG_PORT=str(free_port()))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "database not reachable" in done.stdout and "agents checked in pjsip_agents.conf only" in done.stdout
    skipped = run_doctor(test_settings, "--no-db")
    assert skipped.returncode == 0 and "database not consulted" in skipped.stdout


def test_doctor_reports_a_degraded_copy_of_the_test_configuration(test_settings, asterisk, seeded, tmp_path):
    copy = tmp_path / "conf"
    shutil.copytree(conf_dir(asterisk), copy)
    manager = copy / "manager.conf"
    manager.write_text(manager.read_text().replace("bindaddr = 127.0.0.1", "bindaddr = 0.0.0.0")
                       .replace("write = call,agent,originate,system", "write = call,agent,originate,system,command"))
    pjsip = copy / "pjsip.conf"
    pjsip.write_text(pjsip.read_text() + "\n[guest](allo-media)\ncontext = from-trunk\n")
    (copy / "pjsip_agents.conf").chmod(0o644)
    done = run_doctor(test_settings, "--conf-dir", str(copy), "--no-db")
    assert done.returncode == 1, done.stdout + done.stderr
    for expected in ("[ami-bind] manager.conf [general]: bindaddr is 0.0.0.0",
                     "[ami-permission-extra] manager.conf [allo]: write = ... command",
                     "[sip-unauthenticated] pjsip.conf [guest]: no auth and no identify by address",
                     f"[file-mode] {copy / 'pjsip_agents.conf'}: mode 644",
                     "allo doctor: 4 problem(s), 0 warning(s)"):
        assert expected in done.stdout, done.stdout


def privilege(asterisk, action: str) -> frozenset[str]:
    out = re.sub(r"\x1b\[[0-9;]*m", "", asterisk.cli(f"manager show command {action}"))
    lines = [line.strip() for line in out.splitlines()]
    start = lines.index("[Privilege]") + 1
    text = next(line.strip() for line in lines[start:] if line.strip())
    return frozenset(p for p in text.split(",") if p not in ("all", "<none>"))


def test_the_privilege_of_each_action_allo_sends_is_the_one_asterisk_requires(asterisk):
    live = {action.name: privilege(asterisk, action.name) for action in ACTIONS}
    assert live == {action.name: action.privilege for action in ACTIONS}


def test_the_running_asterisk_gives_allo_s_ami_user_exactly_the_classes_of_the_table(test_settings, asterisk):
    shown = asterisk.cli(f"manager show user {test_settings.ami_username}")
    perms = dict(re.findall(r"^\s*(read|write) perm: (\S*)\s*$", shown, re.MULTILINE))
    assert set(perms["read"].split(",")) == set(READ), shown
    assert set(perms["write"].split(",")) == set(write_classes()), shown
    assert re.search(r"0:\s+deny - 0\.0\.0\.0/0\.0\.0\.0\s+1: allow - 127\.0\.0\.1/255\.255\.255\.255", shown), shown
