"""`allo serve` as a real subprocess on a given Settings: used by the test fixtures and by the benchmarks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from allo.auth.roles import Role
from allo.auth.users import read_demo_users
from allo.settings import Settings
from allo.watchdog.status import read_status


def settings_env(settings: Settings) -> dict[str, str]:
    keys = ("state_dir", "pg_port", "agi_port", "http_port", "ami_port", "sip_port", "rtp_start", "rtp_end",
            "asterisk_instance", "agi_drain_timeout", "journey_retention_days")
    return {f"ALLO_{key.upper()}": str(getattr(settings, key)) for key in keys}


class ServiceProcess:
    """`allo serve` as a real subprocess, started and stopped by tests."""

    # Routing decisions see this local time (a Monday morning, open) unless a test says otherwise,
    # so the suite behaves the same whenever CI runs.
    DEFAULT_NOW = "2026-11-23T10:00:00"

    def __init__(self, settings: Settings, supervised: bool = False) -> None:
        self.settings = settings
        self.supervised = supervised  # `allo supervise` (restarts `allo serve` when it dies) instead of `allo serve`
        self.fixed_now: str | None = self.DEFAULT_NOW
        self.env: dict[str, str] = {}  # extra ALLO_* settings for this run (e.g. callback timings)
        self.nice = 0  # CPU priority of the service (the benchmarks compare); `nice -n` applies to every thread
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(settings.state_dir) / "serve.log"
        self._tokens: dict[Role, str] = {}
        self._watchdog_past: list[dict[str, Any]] = []  # watchdog.json of each supervisor stopped so far

    def credentials(self, role: Role) -> tuple[str, str]:
        """(username, password) of the seeded demo account with `role`."""
        for username, (user_role, password) in read_demo_users(self.settings.state_dir).items():
            if user_role is role:
                return username, password
        raise AssertionError(f"no demo account with role {role}")

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        """`Authorization: Bearer …` for the demo account with `role` (tokens live in the database, so they
        survive restarts of the service)."""
        if role not in self._tokens:
            username, password = self.credentials(role)
            reply = httpx.post(f"{self.base_url}/api/auth/token", data={"username": username, "password": password},
                               timeout=10)
            assert reply.status_code == 200, reply.text
            self._tokens[role] = reply.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[role]}"}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    def start(self, timeout: float = 20.0, *, without_asterisk: bool = False) -> None:
        """Until /healthz says ok; `without_asterisk`: until it says the database and FastAGI are up (the AMI
        session then stays down: tests of the database alone)."""
        out = self.log.open("ab")
        env = {**os.environ, **settings_env(self.settings), **self.env}
        if self.fixed_now:
            env["ALLO_FIXED_NOW"] = self.fixed_now
        command = "supervise" if self.supervised else "serve"
        prefix = ["nice", "-n", str(self.nice)] if self.nice else []
        self.proc = subprocess.Popen([*prefix, sys.executable, "-m", "allo.cli.main", command], env=env, stdout=out,
                                     stderr=subprocess.STDOUT)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"allo serve exited: {self.log.read_text()[-3000:]}")
            try:
                reply = httpx.get(f"{self.base_url}/healthz", timeout=1)
                if reply.status_code == 200:
                    return
                if without_asterisk and reply.json().get("database") == reply.json().get("fastagi") == "up":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"allo serve not healthy in {timeout} s: {self.log.read_text()[-3000:]}")

    def serve_pid(self) -> int | None:
        """The pid of `allo serve` itself (the supervisor's child when supervised), from its pid file."""
        try:
            return int((Path(self.settings.state_dir) / "allo-serve.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        child = self.serve_pid() if self.supervised else None
        self.proc.terminate()
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            if child is not None:  # in its own session: the supervisor's death does not reach it
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            code = self.proc.wait()
        if self.supervised and (status := read_status(Path(self.settings.state_dir))) is not None:
            self._watchdog_past.append(status)  # the next supervisor starts its watchdog.json again
        return code

    def watchdog_report(self) -> dict[str, Any] | None:
        """What the watchdog of `allo supervise` saw over every supervisor this object started (the benchmarks
        restart the service): starts, kills, the largest heartbeat gap. None when not supervised."""
        if not self.supervised:
            return None
        running = read_status(Path(self.settings.state_dir)) if self.proc and self.proc.poll() is None else None
        runs = [*self._watchdog_past, *([running] if running else [])]
        if not runs:
            return None
        return {"threshold_s": runs[-1]["threshold_s"], "grace_s": runs[-1]["grace_s"], "supervisors": len(runs),
                "starts": sum(r["starts"] for r in runs), "watchdog_kills": sum(r["watchdog_kills"] for r in runs),
                "kills": [k for r in runs for k in r["kills"]], "stalls": sum(r["stalls"] for r in runs),
                "max_heartbeat_gap_s": max(r["max_heartbeat_gap_s"] for r in runs),
                "max_first_beat_after_s": max(r["max_first_beat_after_s"] for r in runs)}
