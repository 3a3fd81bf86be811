"""Uploaded prompt recordings: converted by sox to 8 kHz mono 16-bit WAV, garbage refused, never re-synthesised."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from allo.rules.recordings import MAX_BYTES, RecordingError, convert, wav_format
from allo.setup.prompts import ensure_prompts


def make_audio(tmp_path: Path, name: str, *sox_args: str) -> bytes:
    target = tmp_path / name
    subprocess.run(["sox", "-n", *sox_args[:-1], str(target), *sox_args[-1].split()], check=True)
    return target.read_bytes()


def spoken_wav(tmp_path: Path) -> bytes:
    target = tmp_path / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "fr-fr", "-w", str(target), "Bonjour, vous êtes bien au 3939"], check=True)
    return target.read_bytes()


async def test_a_spoken_wav_becomes_8khz_mono_16_bit(tmp_path):
    original = spoken_wav(tmp_path)
    assert wav_format(original)[:2] == (22050, 1)
    converted = await convert(original)
    rate, channels, width, seconds = wav_format(converted.wav)
    assert (rate, channels, width) == (8000, 1, 2)
    assert converted.wav[:4] == b"RIFF" and converted.wav[8:12] == b"WAVE"
    assert seconds == pytest.approx(converted.seconds) and 1.0 < seconds < 5.0


async def test_a_stereo_flac_is_converted_too(tmp_path):
    flac = make_audio(tmp_path, "tone.flac", "-r", "44100", "-c", "2", "synth 2 sine 440")
    converted = await convert(flac)
    assert wav_format(converted.wav)[:3] == (8000, 1, 2)
    assert converted.seconds == pytest.approx(2.0, abs=0.01)


async def test_garbage_is_refused(tmp_path):
    with pytest.raises(RecordingError, match="n'est pas un fichier audio que le serveur sait lire"):
        await convert(b"MZ\x90\x00this is an executable, not a recording" * 50)
    with pytest.raises(RecordingError, match="n'est pas un fichier audio"):
        await convert(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")


async def test_empty_silent_long_and_large_files_are_refused(tmp_path):
    with pytest.raises(RecordingError, match="le fichier est vide"):
        await convert(b"")
    with pytest.raises(RecordingError, match=r"est vide ou muet \(moins de 0,1 s de son\)"):
        await convert(make_audio(tmp_path, "none.wav", "-r", "8000", "-c", "1", "trim 0 0"))
    with pytest.raises(RecordingError, match="dure 121 s ; 120 s au plus"):
        await convert(make_audio(tmp_path, "long.wav", "-r", "8000", "-c", "1", "synth 121 sine 300"))
    with pytest.raises(RecordingError, match="dépasse 10 Mo"):
        await convert(b"\x00" * (MAX_BYTES + 1))


async def test_an_uploaded_recording_is_installed_as_is_and_wins_over_the_text(tmp_path):
    wav = (await convert(spoken_wav(tmp_path))).wav
    sounds, recorded = tmp_path / "sounds", tmp_path / "recorded"
    catalogue = {"allo/bienvenue": "Bienvenue"}
    assert ensure_prompts(catalogue, sounds, recorded, uploads={"allo/bienvenue": wav}) == 1
    assert (sounds / "fr" / "allo" / "bienvenue.wav").read_bytes() == wav
    assert ensure_prompts(catalogue, sounds, recorded, uploads={"allo/bienvenue": wav}) == 0
    assert not list((sounds / "fr" / "allo").glob("*.partial"))
