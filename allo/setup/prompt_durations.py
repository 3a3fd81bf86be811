"""How long each prompt's sound file plays: `<sounds_dir>/fr/<name>.wav`, read with the stdlib `wave` module.

The adapter of ivr.listening: the simulator and the rules editor's budget warning get a plain mapping name -> seconds.
A missing or unreadable file is left out (the pure side then estimates from the text and says so).
"""

from __future__ import annotations

import wave
from collections.abc import Iterable
from pathlib import Path

from allo.settings import Settings
from allo.setup.asterisk import locate_asterisk_root, sounds_dir


def sounds_dir_for(settings: Settings) -> Path | None:
    """Where the prompts are played from (None: no Asterisk on this machine)."""
    root = locate_asterisk_root(settings)
    return sounds_dir(root) if root is not None else None


def wav_seconds(path: Path) -> float | None:
    try:
        with wave.open(str(path), "rb") as sound:
            rate = sound.getframerate()
            return sound.getnframes() / rate if rate else None
    except (OSError, EOFError, wave.Error):
        return None


def read_durations(sounds: Path | None, names: Iterable[str]) -> dict[str, float]:
    """The duration of each of `names` whose file exists and is a readable WAV."""
    if sounds is None:
        return {}
    found: dict[str, float] = {}
    for name in set(names):
        if ".." in name or name.startswith("/"):
            continue
        seconds = wav_seconds(sounds / "fr" / f"{name}.wav")
        if seconds is not None:
            found[name] = seconds
    return found
