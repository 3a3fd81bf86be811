"""What a caller hears, from Asterisk's own log: a temporary logger channel at verbose(3) for one test.

messages.log keeps verbose(2) only (verbose(3) prints callback numbers in Dial strings); this channel lives in
Asterisk's log directory for the test and is removed (and its file deleted) after it.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from allo.setup.asterisk import AsteriskInstance

# file.c (Playback, app_queue): "<chan> Playing 'x.gsm' (language 'fr')"; res_agi STREAM FILE: "<chan> Playing
# 'x.gsm' (escape_digits=) (sample_offset 0) (language 'fr')".
PLAYING = re.compile(r"<(?P<channel>[^>]+)> Playing '(?P<sound>[^']+?)\.[a-z0-9]+' \(")


@dataclass
class HeardLog:
    asterisk: AsteriskInstance
    name: str

    def text(self) -> str:
        path = self.asterisk.host_path(f"{self.asterisk.log_dir}/{self.name}")
        return path.read_text(errors="replace") if path.exists() else ""

    def sounds(self, channel: str, *, prefix: bool = False) -> list[str]:
        """The sounds played to `channel` (to every channel named `channel…` with `prefix`) so far, in order
        (without their format)."""
        return [m["sound"] for m in PLAYING.finditer(self.text())
                if m["channel"] == channel or (prefix and m["channel"].startswith(channel))]

    async def wait_for(self, channel: str, done: Callable[[list[str]], bool], timeout: float = 20, *,
                       prefix: bool = False) -> list[str]:
        deadline = time.monotonic() + timeout
        while not done(heard := self.sounds(channel, prefix=prefix)):
            assert time.monotonic() < deadline, f"{channel} heard only {heard}"
            await asyncio.sleep(0.2)
        return heard


@contextmanager
def heard(asterisk: AsteriskInstance) -> Iterator[HeardLog]:
    name = f"heard-{uuid.uuid4().hex[:8]}.log"
    out = asterisk.cli(f"logger add channel {name} verbose(3)")
    assert "ERROR" not in out, out
    try:
        yield HeardLog(asterisk, name)
    finally:
        asterisk.cli(f"logger remove channel {name}", check=False)
        asterisk.host_path(f"{asterisk.log_dir}/{name}").unlink(missing_ok=True)


def whisper_channel(uniqueid: str) -> str:
    """The prefix of the Local channels that say allo's repeated announcement to the caller `uniqueid`."""
    return f"Local/{uniqueid}@allo-queue-say-"


def positions(sounds: list[str]) -> list[int]:
    """The positions said: "allo/file/position" + digits/N (app_queue) or allo/nombres/N (allo) -> N;
    "allo/file/prochain" -> 1."""
    said = []
    for index, sound in enumerate(sounds):
        if sound == "allo/file/prochain":
            said.append(1)
        elif sound == "allo/file/position" and index + 1 < len(sounds):
            number = sounds[index + 1].removeprefix("digits/").removeprefix("allo/nombres/")
            if number.isdigit():
                said.append(int(number))
    return said
