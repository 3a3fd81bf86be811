"""`<state_dir>/watchdog.json`: what `allo supervise`'s watchdog saw, for people, tests and benchmarks.

Written atomically by the supervisor when something changes (a start, a kill, a stall, a longer gap); read with
`read_status()`. Gaps are between two beats received from the same `allo serve`; the silence that ends in a
kill is in `kills`, never in the gaps.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATUS_FILE = "watchdog.json"


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class WatchdogStatus:
    threshold_s: float
    grace_s: float
    supervisor_pid: int = field(default_factory=os.getpid)
    starts: int = 0
    child_pid: int | None = None
    watchdog_kills: int = 0
    kills: list[dict[str, Any]] = field(default_factory=list)  # at_utc, pid, silent_s
    stalls: int = 0  # gaps the service survived that were over a quarter of the threshold
    last_stall: dict[str, Any] | None = None  # at_utc, pid, gap_s
    max_heartbeat_gap_s: float = 0.0
    max_gap_at_utc: str | None = None
    max_first_beat_after_s: float = 0.0  # the longest start-up (start to first beat) seen
    updated_utc: str = field(default_factory=utc_now)

    def started(self, pid: int) -> None:
        self.starts += 1
        self.child_pid = pid

    def first_beat(self, after_s: float) -> bool:
        if after_s <= self.max_first_beat_after_s:
            return False
        self.max_first_beat_after_s = round(after_s, 3)
        return True

    def gap(self, gap_s: float, stall: bool) -> bool:
        """Record a gap between two beats; True when the file is worth rewriting."""
        changed = False
        if stall:
            self.stalls += 1
            self.last_stall = {"at_utc": utc_now(), "pid": self.child_pid, "gap_s": round(gap_s, 3)}
            changed = True
        if gap_s > self.max_heartbeat_gap_s + 0.01:
            self.max_heartbeat_gap_s = round(gap_s, 3)
            self.max_gap_at_utc = utc_now()
            changed = True
        return changed

    def killed(self, pid: int, silent_s: float) -> None:
        self.watchdog_kills += 1
        self.kills.append({"at_utc": utc_now(), "pid": pid, "silent_s": round(silent_s, 3)})

    def save(self, path: Path) -> None:
        self.updated_utc = utc_now()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(path)


def read_status(state_dir: Path) -> dict[str, Any] | None:
    """The status file of the supervisor using `state_dir`, or None when there is none (not supervised)."""
    try:
        data: dict[str, Any] = json.loads((state_dir / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data
