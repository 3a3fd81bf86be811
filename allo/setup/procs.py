"""Small helpers to run external programs with clear errors."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from allo.errors import SetupError

log = logging.getLogger(__name__)


def say(message: str) -> None:
    """Progress line for a person watching `make run`."""
    print(f"[allo] {message}", flush=True)


def run(cmd: Sequence[str], *, check: bool = True, timeout: float = 120.0, quiet: bool = False,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False,
                          env=None if env is None else {**os.environ, **env})
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise SetupError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{detail}")
    if not quiet and proc.returncode != 0:
        log.debug("%s -> %s", cmd[0], proc.returncode)
    return proc


def require(program: str, debian_package: str) -> str:
    """Path of `program`, installing its Debian package when missing (we run as root on Debian)."""
    found = shutil.which(program)
    if found:
        return found
    if os.geteuid() != 0:
        raise SetupError(f"{program} is missing: install the Debian package {debian_package}")
    say(f"installing {debian_package} (apt-get)")
    run(["apt-get", "update", "-qq"], timeout=600)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", debian_package], timeout=900,
        env={"DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which(program)
    if not found:
        raise SetupError(f"{program} still missing after installing {debian_package}")
    return found


def as_user(user: str, cmd: Sequence[str]) -> list[str]:
    """Run as another user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return list(cmd)
    pwd.getpwnam(user)
    return ["runuser", "-u", user, "--", *cmd]


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
