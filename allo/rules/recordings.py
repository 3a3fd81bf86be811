"""An uploaded prompt recording, made into what Asterisk plays: 8 kHz mono 16-bit WAV (sox does the work)."""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
MAX_SECONDS = 120.0
SOX_TIMEOUT = 30.0


class RecordingError(ValueError):
    """The upload cannot be used; the message is for the person who sent it."""


@dataclass(frozen=True)
class Converted:
    wav: bytes  # 8 kHz mono 16-bit signed PCM WAV
    seconds: float


async def _run(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(SOX_TIMEOUT):
            out, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RecordingError("la conversion de l'enregistrement a pris trop de temps") from None
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


def wav_format(data: bytes) -> tuple[int, int, int, float]:
    """(rate, channels, bytes per sample, seconds) of a PCM WAV."""
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


async def convert(upload: bytes) -> Converted:
    """Anything sox reads (its type found from the content) → 8 kHz mono 16-bit WAV; RecordingError if unusable."""
    if not upload:
        raise RecordingError("le fichier est vide")
    if len(upload) > MAX_BYTES:
        raise RecordingError(f"le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo")
    sox = shutil.which("sox")
    if sox is None:
        raise RecordingError("sox n'est pas installé sur le serveur (apt install sox)")
    with tempfile.TemporaryDirectory(prefix="allo-rec-") as tmp:
        source, target = Path(tmp) / "upload", Path(tmp) / "prompt.wav"
        source.write_bytes(upload)
        code, out, _err = await _run(sox, "--info", "-D", str(source))
        try:
            seconds = float(out.strip()) if code == 0 else -1.0
        except ValueError:
            seconds = -1.0
        if seconds < 0:
            raise RecordingError("ce n'est pas un fichier audio que le serveur sait lire "
                                 "(envoyez un fichier WAV, FLAC ou OGG)")
        if seconds > MAX_SECONDS:
            raise RecordingError(f"l'enregistrement dure {seconds:.0f} s ; {MAX_SECONDS:.0f} s au plus")
        code, _out, err = await _run(sox, "-V1", str(source), "-r", "8000", "-c", "1", "-b", "16",
                                     "-e", "signed-integer", str(target))
        if code != 0 or not target.exists():
            raise RecordingError(f"l'enregistrement n'a pas pu être converti : {err.strip()[:200]}")
        wav = target.read_bytes()
    _rate, _channels, _width, seconds = wav_format(wav)
    if seconds < 0.1:
        raise RecordingError("l'enregistrement est vide ou muet (moins de 0,1 s de son)")
    return Converted(wav, seconds)
