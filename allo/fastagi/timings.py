"""Opt-in raw timings for the benchmarks (`ALLO_TIMINGS_FILE`; docs/benchmarks.md, section 3).

Prometheus histograms are too coarse for a p99 in milliseconds, so when a file is configured the service
appends one line per sample: `<unix time>\t<kind>\t<label>\t<seconds>`. Kinds:
- `agi`: one AGI command's round trip (written, replied), labelled by command;
- `think`: the service's own time between Asterisk's reply to one command and the next command of the same
  call (routing, database look-ups, event-loop delay), labelled `PREVIOUS>NEXT` (`accept` before the first);
- `session`: the sum of a call's `think` times, at the end of its FastAGI session;
- `decide`: one `routing.decide` call, labelled by target;
- `lag`: how late the event loop woke a 100 ms sleep (label `loop`): a reply waits that long to be read.
Recording is a list append; lines are formatted and written by a background task in a thread. Unset, none of
this exists: the service uses its plain metrics observer and `routing.decide`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from agi.observer import AgiObserver, SessionOutcome
from routing.decide import CallRequest
from routing.decide import decide as routing_decide
from routing.route import Decision
from routing.rules import RulesSnapshot

log = logging.getLogger(__name__)


class TimingKind(enum.StrEnum):
    AGI = "agi"
    THINK = "think"
    SESSION = "session"
    DECIDE = "decide"
    LAG = "lag"


Sample = tuple[float, TimingKind, str, float]


class TimingsSink:
    """Collects samples in memory; `start()` writes them to `path` every `flush_interval` seconds."""

    def __init__(self, path: Path, flush_interval: float = 0.5, lag_interval: float = 0.1) -> None:
        self.path = path
        self._flush_interval = flush_interval
        self._lag_interval = lag_interval
        self._pending: list[Sample] = []
        self._tasks: list[asyncio.Task[None]] = []

    def record(self, kind: TimingKind, label: str, seconds: float) -> None:
        self._pending.append((time.time(), kind, label, seconds))

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._probe_lag())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.flush()

    async def flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            await asyncio.to_thread(self._write, batch)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            try:
                await self.flush()
            except OSError as exc:  # a full disk must not stop the calls
                log.warning("timings file %s not written: %s", self.path, exc)

    async def _probe_lag(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self._lag_interval)
            self.record(TimingKind.LAG, "loop", max(0.0, time.perf_counter() - started - self._lag_interval))

    def _write(self, batch: list[Sample]) -> None:
        lines = "".join(f"{at:.6f}\t{kind.value}\t{label}\t{seconds:.9f}\n" for at, kind, label, seconds in batch)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(lines)


@dataclass
class _Session:
    last: float  # when Asterisk's last reply arrived (or the connection was accepted)
    previous: str = "accept"
    think: float = 0.0


class TimedObserver:
    """An AgiObserver that forwards to `inner` and records round trips and think times into `sink`.

    Every observer call of one connection runs in that connection's task, which identifies the call."""

    def __init__(self, inner: AgiObserver, sink: TimingsSink) -> None:
        self._inner = inner
        self._sink = sink
        self._sessions: dict[asyncio.Task[object] | None, _Session] = {}

    def session_started(self) -> None:
        self._inner.session_started()
        self._sessions[asyncio.current_task()] = _Session(time.monotonic())

    def session_ended(self, outcome: SessionOutcome, seconds: float) -> None:
        self._inner.session_ended(outcome, seconds)
        session = self._sessions.pop(asyncio.current_task(), None)
        if session is not None and session.previous != "accept":
            self._sink.record(TimingKind.SESSION, outcome.value, session.think)

    def command_done(self, command: str, seconds: float) -> None:
        self._inner.command_done(command, seconds)
        now = time.monotonic()
        self._sink.record(TimingKind.AGI, command, seconds)
        session = self._sessions.get(asyncio.current_task())
        if session is None:
            return
        think = max(0.0, now - seconds - session.last)
        self._sink.record(TimingKind.THINK, f"{session.previous}>{command}", think)
        session.think += think
        session.last, session.previous = now, command


def timed_decide(sink: TimingsSink) -> Callable[[RulesSnapshot, CallRequest, datetime], Decision]:
    """`routing.decide`, timed with the high-resolution clock."""

    def decide(rules: RulesSnapshot, request: CallRequest, now: datetime) -> Decision:
        started = time.perf_counter()
        try:
            return routing_decide(rules, request, now)
        finally:
            sink.record(TimingKind.DECIDE, request.target.value, time.perf_counter() - started)

    return decide
