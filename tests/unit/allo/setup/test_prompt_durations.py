"""Sound durations read from `<sounds>/fr/<name>.wav` with the stdlib wave module; missing or broken files left out."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from allo.setup.prompt_durations import read_durations, wav_seconds


def write_wav(path: Path, seconds: float, rate: int = 8000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))


def test_durations_of_the_files_that_exist(tmp_path: Path) -> None:
    write_wav(tmp_path / "fr/allo/bienvenue.wav", 3.09)
    write_wav(tmp_path / "fr/allo/mots/demain.wav", 0.5, rate=16000)
    (tmp_path / "fr/allo/casse.wav").write_bytes(b"not a wav")
    found = read_durations(tmp_path, ["allo/bienvenue", "allo/mots/demain", "allo/absent", "allo/casse",
                                      "../etc/passwd"])
    assert found == {"allo/bienvenue": pytest.approx(3.09, abs=1e-3), "allo/mots/demain": pytest.approx(0.5)}


def test_no_sounds_directory_gives_nothing(tmp_path: Path) -> None:
    assert read_durations(None, ["allo/bienvenue"]) == {}
    assert wav_seconds(tmp_path / "absent.wav") is None
