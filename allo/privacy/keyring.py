"""Which keys this installation has, and which ones the running `allo serve` loaded (by fingerprint only).

`allo serve` writes `<state>/allo-serve.keys` when it starts, so that `allo keys rotate-callback --finish`
can refuse to drop a key a service started before the rotation still encrypts with.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from allo.privacy.pseudonyms import key_id, split_keys
from allo.settings import Settings

RUNNING_KEYS = "allo-serve.keys"
PIDFILE = "allo-serve.pid"


def key_ids(settings: Settings) -> dict[str, list[str]]:
    """Fingerprints, current key first, for the pseudonym and the callback keys."""
    out: dict[str, list[str]] = {}
    for kind, current, previous in (
            ("pseudonym", settings.pseudonym_key, settings.pseudonym_keys_previous),
            ("callback", settings.callback_key, settings.callback_keys_previous)):
        keys = [current.get_secret_value(), *split_keys(previous.get_secret_value())]
        out[kind] = [key_id(key) for key in keys if key]
    return out


def write_running_keys(settings: Settings) -> Path:
    path = settings.state_dir / RUNNING_KEYS
    path.write_text(json.dumps({"pid": os.getpid(), **key_ids(settings)}))
    return path


def running_key_ids(state_dir: Path) -> dict[str, list[str]] | None:
    """The key fingerprints of the `allo serve` running on this state dir; None when none runs."""
    try:
        loaded = json.loads((state_dir / RUNNING_KEYS).read_text())
        pid = int(loaded["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return {kind: list(ids) for kind, ids in loaded.items() if kind != "pid" and isinstance(ids, list)}
