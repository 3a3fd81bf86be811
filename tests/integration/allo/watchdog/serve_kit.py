"""A real `allo serve` (or `allo supervise`) on free ports with nothing behind it: no PostgreSQL, no Asterisk.

The watchdog only needs the event loop and HTTP: the service starts without rules and without AMI (it keeps
retrying both), listens, and answers /healthz with 503 "degraded", which is an answer from a live loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from allo.settings import Settings
from allo.setup.secrets import ensure_secrets
from allo.setup.service_process import settings_env
from allo.setup.sipp import free_port


def lone_settings(state_dir: Path) -> Settings:
    state_dir.mkdir(parents=True, exist_ok=True)
    ensure_secrets(state_dir)
    ports = {key: free_port() for key in ("pg_port", "agi_port", "http_port", "ami_port", "sip_port")}
    return Settings.load(state_dir).model_copy(update=ports)


def start(settings: Settings, command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = (settings.state_dir / f"{command}.log").open("ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "allo.cli.main", command], stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ, **settings_env(settings), **env})
    finally:
        log.close()


def answers_healthz(settings: Settings) -> bool:
    """/healthz answered (200 or 503 degraded) with FastAGI up: the loop is alive."""
    try:
        reply = httpx.get(f"http://127.0.0.1:{settings.http_port}/healthz", timeout=1.0)
    except httpx.HTTPError:
        return False
    return reply.status_code in (200, 503) and reply.json().get("fastagi") == "up"


def serve_pid(settings: Settings) -> int | None:
    try:
        return int((settings.state_dir / "allo-serve.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    """Running or stopped, not dead (a zombie is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_for(predicate: object, timeout: float, step: float = 0.1) -> float | None:
    """Seconds until `predicate()` held, or None after `timeout`."""
    assert callable(predicate)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
