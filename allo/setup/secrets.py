"""Generate the secrets of one installation once; they are never committed."""

from __future__ import annotations

import secrets
from pathlib import Path

from allo.settings import SECRETS_FILE
from allo.setup.procs import say

GENERATED = ("ALLO_PG_PASSWORD", "ALLO_AMI_SECRET", "ALLO_PSEUDONYM_KEY", "ALLO_CALLBACK_KEY")


def ensure_secrets(state_dir: Path) -> Path:
    """Create `<state_dir>/secrets.env` (mode 600), adding only the keys that are missing."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / SECRETS_FILE
    existing: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                existing[key.strip()] = value.strip()
    missing = [key for key in GENERATED if not existing.get(key)]
    if not missing:
        return path
    say(f"generating secrets in {path}")
    for key in missing:
        existing[key] = secrets.token_urlsafe(32)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in existing.items()))
    return path
