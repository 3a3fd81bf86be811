"""What became of a callback attempt, read from the state the dialplan keeps in AstDB (pure).

The dialplan writes `allo_cb/<attempt>`: `queued` (waiting for an agent), `dialling:<agent>` (an agent is
reserved and hears a short prompt), `ringing:<agent>:<epoch>` (Dial() towards the citizen began at that second),
then a final word: Dial's DIALSTATUS followed by `:<epoch rang>` (and `:<epoch reached>` after `ANSWER`),
`NOAGENT` (left the queue without an agent) or `CANCELLED` (cancelled through the API before the citizen was
dialled). The times live in AstDB so that they survive a restart of our service like the state itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Stage(enum.StrEnum):
    QUEUED = "queued"
    DIALLING = "dialling"
    RINGING = "ringing"
    ENDED = "ended"


class AttemptEnd(enum.StrEnum):
    """How an attempt ended; the values are those of the `attempt_outcome` database type."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


_FINAL = {
    "ANSWER": AttemptEnd.ANSWERED,
    "NOANSWER": AttemptEnd.NO_ANSWER,
    "BUSY": AttemptEnd.BUSY,
    "CONGESTION": AttemptEnd.FAILED,
    "CHANUNAVAIL": AttemptEnd.FAILED,
    "DONTCALL": AttemptEnd.FAILED,
    "INVALIDARGS": AttemptEnd.FAILED,
    "CANCEL": AttemptEnd.INTERRUPTED,  # the agent hung up while the citizen's phone rang
    "NOAGENT": AttemptEnd.INTERRUPTED,  # no agent was reserved: the citizen was never dialled
    "CANCELLED": AttemptEnd.CANCELLED,
}


@dataclass(frozen=True)
class Progress:
    stage: Stage
    end: AttemptEnd | None = None
    agent: str | None = None
    status: str = ""  # the dialplan's word, kept as the attempt's detail
    rang_at: float | None = None  # epoch second at which Dial() towards the citizen began
    reached_at: float | None = None  # epoch second at which the citizen picked up


def _epoch(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def parse_progress(value: str) -> Progress:
    word, _, rest = value.strip().partition(":")
    if word == "queued":
        return Progress(Stage.QUEUED, status=word)
    if word == "dialling":
        return Progress(Stage.DIALLING, agent=rest or None, status=word)
    if word == "ringing":
        agent, _, rang = rest.rpartition(":")
        return Progress(Stage.RINGING, agent=agent or None, status=word, rang_at=_epoch(rang))
    rang, _, reached = rest.partition(":")
    end = _FINAL.get(word.upper(), AttemptEnd.FAILED)
    return Progress(Stage.ENDED, end, status=word[:40] or "empty", rang_at=_epoch(rang),
                    reached_at=_epoch(reached) if end is AttemptEnd.ANSWERED else None)


class Step(enum.StrEnum):
    WAIT = "wait"
    ORIGINATE = "originate"
    MARK_ORIGINATED = "mark_originated"
    MARK_RESERVED = "mark_reserved"
    CLOSE = "close"


class RowStage(enum.StrEnum):
    """The open outcomes of a `callback_attempts` row."""

    CLAIMED = "claimed"
    ORIGINATED = "originated"
    AGENT_RESERVED = "agent_reserved"


@dataclass(frozen=True)
class Verdict:
    step: Step
    end: AttemptEnd | None = None
    detail: str = ""
    agent: str | None = None


def reconcile(row: RowStage, progress: Progress | None, *, age: float, grace: float, in_flight: bool,
              alive: bool | None = None) -> Verdict:
    """The next step for an open attempt row, given its AstDB state and (after a reconnect) its channels.

    `age`: seconds since the row last moved (claimed, originated); `in_flight`: this process is sending its
    Originate right now; `alive`: whether a channel of the attempt exists (None when not checked).
    A row without AstDB state older than `grace` never reached Asterisk: the dialplan writes `queued` before
    anything else, so it may be originated (again) — the dialplan refuses an attempt it has already seen.
    """
    if progress is not None and progress.stage is Stage.ENDED:
        return Verdict(Step.CLOSE, progress.end, progress.status)
    if progress is not None and alive is False:
        return Verdict(Step.CLOSE, AttemptEnd.INTERRUPTED, "lost by asterisk", progress.agent)
    if progress is not None and progress.stage in (Stage.DIALLING, Stage.RINGING):
        if row is RowStage.AGENT_RESERVED:
            return Verdict(Step.WAIT)
        return Verdict(Step.MARK_RESERVED, agent=progress.agent)
    if progress is not None:
        return Verdict(Step.MARK_ORIGINATED) if row is RowStage.CLAIMED else Verdict(Step.WAIT)
    if in_flight or age < grace:
        return Verdict(Step.WAIT)
    if row is RowStage.CLAIMED:
        return Verdict(Step.ORIGINATE)
    return Verdict(Step.CLOSE, AttemptEnd.INTERRUPTED, "no state in asterisk")


class Next(enum.StrEnum):
    DONE = "done"
    RETRY = "retry"
    FAILED = "failed"


def after_attempt(end: AttemptEnd, attempts_made: int, max_attempts: int) -> Next:
    if end is AttemptEnd.ANSWERED:
        return Next.DONE
    return Next.FAILED if attempts_made >= max_attempts else Next.RETRY
