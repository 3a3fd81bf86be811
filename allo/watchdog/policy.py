"""The watchdog's decision, without processes or clocks: is the watched event loop starting, alive or stalled?"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# The in-loop heartbeat beats at least once a second, and at least five times within any threshold, so one beat
# late or lost is never a stall.
MAX_BEAT_INTERVAL_S = 1.0
BEATS_PER_THRESHOLD = 5


class Verdict(enum.Enum):
    STARTING = "starting"  # no beat yet, still within the start-up grace
    OK = "ok"  # the last beat is recent enough (or the watchdog is off)
    STALLED = "stalled"  # silent for longer than the threshold (or no first beat within the grace)


@dataclass(frozen=True)
class WatchdogPolicy:
    """`threshold_s` of silence after a beat is a stall (0: never); `grace_s` is allowed until the first beat."""

    threshold_s: float
    grace_s: float

    @property
    def enabled(self) -> bool:
        return self.threshold_s > 0

    def judge(self, started: float, last_beat: float | None, now: float) -> Verdict:
        """`started`, `last_beat` and `now` on one monotonic clock (seconds)."""
        if not self.enabled:
            return Verdict.OK
        if last_beat is None:
            return Verdict.STARTING if now - started <= self.grace_s else Verdict.STALLED
        return Verdict.OK if now - last_beat <= self.threshold_s else Verdict.STALLED

    @staticmethod
    def silent_for(started: float, last_beat: float | None, now: float) -> float:
        """Seconds since the last beat, or since the start when there was none."""
        return now - (started if last_beat is None else last_beat)

    def is_stall(self, gap_s: float) -> bool:
        """A gap between two beats worth reporting although the service survived it: over a quarter of the
        threshold (2.5 s at 10 s, i.e. the loop was held about 1.5 s beyond the 1 s beat)."""
        return self.enabled and gap_s > self.threshold_s / 4


def beat_interval(*thresholds_s: float | None) -> float:
    """Seconds between two beats: a fifth of the smallest threshold that applies (the supervisor's, systemd's
    WatchdogSec), at most MAX_BEAT_INTERVAL_S."""
    active = [t / BEATS_PER_THRESHOLD for t in thresholds_s if t is not None and t > 0]
    return min([MAX_BEAT_INTERVAL_S, *active])
