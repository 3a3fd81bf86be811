"""Generate the secrets of one installation once; they are never committed.

`<state>/secrets.env` (mode 600) is only ever replaced whole (written beside, then renamed), under a lock: a
key rotation interrupted half-way leaves the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from allo.settings import SECRETS_FILE
from allo.setup.procs import say

GENERATED = ("ALLO_PG_PASSWORD", "ALLO_AMI_SECRET", "ALLO_PSEUDONYM_KEY", "ALLO_CALLBACK_KEY")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def read_secrets(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.lstrip().startswith("#"):
                values[key.strip()] = value.strip()
    return values


def write_secrets(path: Path, values: dict[str, str]) -> None:
    """Replace the file atomically; empty values are left out."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("".join(f"{key}={value}\n" for key, value in values.items() if value))
        out.flush()
        os.fsync(out.fileno())
    tmp.chmod(0o600)
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def secrets_lock(state_dir: Path) -> Iterator[Path]:
    """Held while the secrets file is read and rewritten: two commands never interleave their edits."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / ".secrets.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield state_dir / SECRETS_FILE
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_secrets(state_dir: Path) -> Path:
    """Create `<state_dir>/secrets.env` (mode 600), adding only the keys that are missing."""
    path = state_dir / SECRETS_FILE
    if all(read_secrets(path).get(key) for key in GENERATED):
        return path  # nothing to write: no lock, so a read-only state dir still works
    with secrets_lock(state_dir) as path:
        existing = read_secrets(path)
        missing = [key for key in GENERATED if not existing.get(key)]
        if not missing:
            return path
        say(f"generating secrets in {path}")
        for key in missing:
            existing[key] = new_secret()
        write_secrets(path, existing)
        return path
