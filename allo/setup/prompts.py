"""Every prompt of the catalogue exists as a French 8 kHz sound at set-up; a recorded file wins."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from pathlib import Path

from allo.setup.procs import require, run, say

RECORDED_DIR = Path(__file__).resolve().parents[2] / "prompts" / "fr"


# Bump when the synthesis recipe changes, so every generated prompt is made again.
RECIPE = b"espeak-ng fr-fr 165 wpm, silence trimmed, 8 kHz v2\n"
# Words are chained to say opening hours: without their leading/trailing silence they sound like a sentence.
TRIM = ["silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse", "pad", "0.02", "0.08"]


def _fingerprint(text: str, recorded: Path | None) -> str:
    source = recorded.read_bytes() if recorded is not None else RECIPE + text.encode()
    return hashlib.sha256(source).hexdigest()


def _install_upload(wav: bytes, target: Path, stamp: Path) -> int:
    """Already converted at upload: written as is, atomically (Asterisk may be playing the old file)."""
    fingerprint = hashlib.sha256(wav).hexdigest()
    if target.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(wav)
    partial.replace(target)
    stamp.write_text(fingerprint)
    return 1


def ensure_prompts(catalogue: Mapping[str, str], sounds_dir: Path, recorded_dir: Path = RECORDED_DIR,
                   uploads: Mapping[str, bytes] | None = None) -> int:
    """Write `<sounds_dir>/fr/<name>.wav` for each prompt; returns how many were (re)made.

    `uploads` (name -> 8 kHz mono WAV, the recordings ops published) win over the files of `recorded_dir`,
    which win over the synthesised text.
    """
    made = 0
    for name, text in catalogue.items():
        target = sounds_dir / "fr" / f"{name}.wav"
        stamp = target.with_suffix(".sha256")
        upload = (uploads or {}).get(name)
        if upload is not None:
            made += _install_upload(upload, target, stamp)
            continue
        recorded = next((p for p in (recorded_dir / f"{name}.wav", recorded_dir / f"{name}.flac")
                         if p.exists()), None)
        fingerprint = _fingerprint(text, recorded)
        if target.exists() and stamp.exists() and stamp.read_text() == fingerprint:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        sox = require("sox", "sox")
        if recorded is not None:
            run([sox, str(recorded), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(target)])
        else:
            espeak = require("espeak-ng", "espeak-ng")
            with tempfile.TemporaryDirectory() as tmp:
                raw = Path(tmp) / "tts.wav"
                run([espeak, "-v", "fr-fr", "-s", "165", "-w", str(raw), text])
                run([sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(target),
                     *TRIM, "gain", "-n", "-3"])
        stamp.write_text(fingerprint)
        made += 1
    if made:
        say(f"made {made} prompt(s) in {sounds_dir / 'fr'}")
    return made
