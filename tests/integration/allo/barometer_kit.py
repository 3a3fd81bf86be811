"""A seeded history for the barometer tests: calls, queue legs, transfers per sector, callbacks, wrap-ups, survey
answers and procedure flags over several months of 2025 (March and October have a clock change), each row with a
call-id prefix of its own (deleted afterwards).

Every generated call is also kept as a plain `Story` (what happened, in which local month) so the tests compute
the expected figures from the stories with their own arithmetic, never with the code under test.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.after_call_models import SurveyResponse
from allo.db.callback_models import Callback, CallbackStatus
from allo.db.desk_models import CallWrapup, ProcedureFlag
from allo.db.models import Call, CallOutcome, LegOutcome, Queue, QueueLeg

PARIS = ZoneInfo("Europe/Paris")
MONTHS = ((2025, 3), (2025, 8), (2025, 9), (2025, 10))  # months with history (the others stay empty)
SECTORS = ("travail", "logement", "fiscalite", "justice")
REASONS = (("impots", "Impôts et taxes", 5), ("carte-grise", "Carte grise", 4), ("logement", "Logement", 3),
           ("travail", "Droit du travail", 3), ("etat-civil", "État civil", 2), ("retraite", "Retraite", 1),
           ("autre", "Autre question", 1))
PROCEDURES = ("Demande de passeport", "Carte grise en ligne", "Allocation logement")
KINDS = ("solved", "transferred", "abandoned", "short", "callback_left", "exit_then_answered")


def local_month(instant: datetime) -> str:
    return instant.astimezone(PARIS).strftime("%Y-%m")


@dataclass
class Story:
    """One generated call: the facts the tests compute the expected figures from."""

    call_id: str
    kind: str  # one of KINDS
    joined: datetime  # first arrival in l1
    l1_wait: int  # total seconds queued in l1 (over its legs)
    sector: str | None = None  # transferred: the sector
    l2_wait: int | None = None  # transferred: seconds queued in the sector's queue
    l2_answered: bool = False  # transferred: answered there (else abandoned)
    l2_joined: datetime | None = None  # transferred: arrival in the sector's queue


class History:
    def __init__(self, seed: int = 19) -> None:
        self.rng = random.Random(seed)
        self.prefix = f"bar-{uuid.uuid4().hex[:8]}-"
        self.stories: list[Story] = []
        self.calls: list[dict] = []
        self.legs: list[dict] = []
        self.callbacks: list[dict] = []
        self.wrapups: list[dict] = []
        self.surveys: list[dict] = []
        self.flags: list[dict] = []

    def instants(self, year: int, month: int, count: int) -> list[datetime]:
        start = datetime(year, month, 1, tzinfo=PARIS).astimezone(UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PARIS).astimezone(UTC)
        span = int((end - start).total_seconds())
        # Edges: the first and last minutes of the local month, and the DST nights' hours.
        edges = [start + timedelta(seconds=30), end - timedelta(seconds=90), start - timedelta(seconds=90)]
        if month in (3, 10):
            night = datetime(year, month, 30 if month == 3 else 26, tzinfo=PARIS).astimezone(UTC)
            edges += [night + timedelta(minutes=m) for m in (30, 75, 100, 130, 170)]
        return edges + [start + timedelta(seconds=self.rng.randrange(span)) for _ in range(count)]

    def leg(self, call_id: str, queue: str, joined: datetime, outcome: LegOutcome, wait: int,
            end_reason: str | None = None) -> datetime:
        left = joined + timedelta(seconds=wait)
        self.legs.append({"call_id": call_id, "queue": queue, "joined_at": joined, "left_at": left,
                          "outcome": outcome, "wait_seconds": wait, "end_reason": end_reason})
        return left

    def add_call(self, n: int, joined: datetime) -> None:
        r = self.rng
        call_id = f"{self.prefix}{n}"
        kind = r.choices(KINDS, weights=(40, 18, 12, 6, 6, 6))[0]
        wait = r.choice((r.randint(0, 20), r.randint(21, 240)))
        story = Story(call_id, kind, joined, wait)
        call = {"call_id": call_id, "dialled": "3939", "started_at": joined - timedelta(seconds=40),
                "outcome": CallOutcome.COMPLETED, "ended_at": None, "transferred_at": None, "transferred_to": None}
        if kind == "abandoned":
            story.l1_wait = wait = r.randint(5, 300)  # 5 s is counted
            call["ended_at"] = self.leg(call_id, "l1", joined, LegOutcome.ABANDONED, wait)
        elif kind == "short":
            story.l1_wait = wait = r.randint(0, 4)
            call["ended_at"] = self.leg(call_id, "l1", joined, LegOutcome.ABANDONED, wait)
        elif kind == "callback_left":
            call["ended_at"] = self.leg(call_id, "l1", joined, LegOutcome.CALLBACK, wait, "exit_key")
        elif kind == "exit_then_answered":
            first = r.randint(30, 120)
            back = self.leg(call_id, "l1", joined, LegOutcome.LEFT, first, "exit_key") + timedelta(seconds=20)
            second = r.randint(0, 40)
            story.l1_wait = first + second
            answered = self.leg(call_id, "l1", back, LegOutcome.ANSWERED, second)
            call["ended_at"] = answered + timedelta(seconds=r.randint(30, 600))
        elif kind == "solved":
            answered = self.leg(call_id, "l1", joined, LegOutcome.ANSWERED, wait)
            call["ended_at"] = answered + timedelta(seconds=r.randint(30, 900))
        else:  # transferred
            answered = self.leg(call_id, "l1", joined, LegOutcome.ANSWERED, wait, "transfer")
            moved = answered + timedelta(seconds=r.randint(60, 400))
            story.sector, story.l2_wait = r.choice(SECTORS), r.choice((r.randint(5, 20), r.randint(21, 200)))
            story.l2_answered = r.random() < 0.8
            outcome = LegOutcome.ANSWERED if story.l2_answered else LegOutcome.ABANDONED
            story.l2_joined = moved + timedelta(seconds=1)
            done = self.leg(call_id, f"l2-{story.sector}", story.l2_joined, outcome, story.l2_wait)
            call.update(transferred_at=moved, transferred_to=story.sector,
                        ended_at=done + timedelta(seconds=r.randint(60, 600)))
        self.calls.append(call)
        self.stories.append(story)
        if kind in ("solved", "transferred", "exit_then_answered"):
            self.after_call(call_id, call["ended_at"])

    def after_call(self, call_id: str, ended: datetime) -> None:
        r = self.rng
        code, label, _weight = r.choices(REASONS, weights=[w for *_x, w in REASONS])[0]
        state = r.choices(("done", "expired", "open"), weights=(8, 1, 1))[0]
        self.wrapups.append({"call_id": call_id, "agent": "agent1001", "queue": "l1", "level": 1,
                             "reason_kind": "list", "reason_code": code, "reason_label": label,
                             "outcome": "answered", "call_ended_at": ended,
                             "done_at": ended + timedelta(seconds=r.randint(5, 90)) if state == "done" else None,
                             "expired": state == "expired", "created_at": ended - timedelta(seconds=60)})
        if r.random() < 0.5:
            status = r.choices(("complete", "partial", "no_answer"), weights=(6, 2, 2))[0]
            self.surveys.append({"call_id": call_id, "queue": "l1", "agent": "agent1001", "reason": code,
                                 "origin": "queue", "status": status,
                                 "satisfaction": r.randint(1, 5) if status != "no_answer" else None,
                                 "answered": r.random() < 0.7 if status == "complete" else None,
                                 "started_at": ended + timedelta(seconds=1),
                                 "finished_at": ended + timedelta(seconds=25)})
        if r.random() < 0.08:
            self.flags.append({"sheet_id": None, "procedure": r.choice(PROCEDURES), "text": "Procédure confuse",
                               "author": "agent1001", "call_id": call_id, "created_at": ended,
                               "updated_at": ended})

    def add_callback(self, n: int, created: datetime) -> None:
        r = self.rng
        due = created + timedelta(minutes=45)
        status = r.choices((CallbackStatus.DONE, CallbackStatus.FAILED, CallbackStatus.CANCELLED,
                            CallbackStatus.EXPIRED), weights=(7, 2, 1, 1))[0]
        rang = None
        if status in (CallbackStatus.DONE, CallbackStatus.FAILED) and r.random() < 0.9:
            rang = created + timedelta(minutes=r.randint(1, 70))
        reached = rang + timedelta(seconds=5) if rang is not None and status is CallbackStatus.DONE else None
        self.callbacks.append({"origin": "queue", "queue": "l1", "call_id": f"{self.prefix}cb{n}",
                               "created_at": created, "original_arrival": created, "due_by": due, "status": status,
                               "next_attempt_at": created, "closed_at": due, "consent": True, "attempts": 1,
                               "first_ringing_at": rang, "reached_at": reached})


def generate(calls_per_month: int = 90, callbacks_per_month: int = 12) -> History:
    h = History()
    n = 0
    for year, month in MONTHS:
        for joined in h.instants(year, month, calls_per_month):
            n += 1
            h.add_call(n, joined)
        for created in h.instants(year, month, callbacks_per_month):
            n += 1
            h.add_callback(n, created)
    return h


async def _insert(url: str, h: History) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for table, rows in ((Call, h.calls), (QueueLeg, h.legs), (Callback, h.callbacks),
                                (CallWrapup, h.wrapups), (SurveyResponse, h.surveys), (ProcedureFlag, h.flags)):
                if rows:
                    await conn.execute(insert(table), rows)
    finally:
        await engine.dispose()


async def _remove(url: str, h: History) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for column in (QueueLeg.call_id, Call.call_id, Callback.call_id, CallWrapup.call_id,
                           SurveyResponse.call_id, ProcedureFlag.call_id):
                await conn.execute(delete(column.class_).where(column.startswith(h.prefix)))
    finally:
        await engine.dispose()


async def queue_thresholds(url: str) -> dict[str, tuple[int, int]]:
    """queue → (service_level, short_abandon) as the queues table says now."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Queue.name, Queue.service_level, Queue.short_abandon))
            return {name: (sl, short) for name, sl, short in rows}
    finally:
        await engine.dispose()


def inserted(url: str) -> Iterator[History]:
    h = generate()
    try:
        asyncio.run(_insert(url, h))
        yield h
    finally:
        asyncio.run(_remove(url, h))


# ---- The expected figures, computed from the stories by the test's own arithmetic (docs/reports.md's words). ----

def months_up_to(last: str, span: int = 12) -> list[str]:
    year, month = map(int, last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - span + 1, index + 1)]


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Expected:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    in_sl: int = 0
    wait_sum: int = 0
    l1_answered: int = 0
    l1_solved: int = 0
    l1_escalated: int = 0
    callbacks_measured: int = 0
    callbacks_kept: int = 0
    surveyed: int = 0
    responded: int = 0
    satisfaction: tuple[int, int] = (0, 0)  # sum, count
    question: tuple[int, int] = (0, 0)  # yes, answers
    wrapups: int = 0
    flags: int = 0

    def answer(self, wait: int, threshold: int) -> None:
        self.offered += 1
        self.answered += 1
        self.wait_sum += wait
        self.in_sl += wait <= threshold

    def figures(self) -> dict:
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "service_level_pct": pct(self.in_sl, self.answered + self.abandoned),
            "asa_s": round(self.wait_sum / self.answered, 1) if self.answered else None,
            "abandon_rate_pct": pct(self.abandoned, self.offered),
            "l1_answered": self.l1_answered, "l1_solved": self.l1_solved, "l1_escalated": self.l1_escalated,
            "l1_solved_pct": pct(self.l1_solved, self.l1_answered),
            "l1_escalated_pct": pct(self.l1_escalated, self.l1_answered),
            "callbacks_measured": self.callbacks_measured, "callbacks_kept": self.callbacks_kept,
            "callbacks_kept_pct": pct(self.callbacks_kept, self.callbacks_measured),
            "surveyed": self.surveyed, "survey_responded": self.responded,
            "survey_response_rate_pct": pct(self.responded, self.surveyed),
            "satisfaction_avg": round(self.satisfaction[0] / self.satisfaction[1], 2) if self.satisfaction[1]
            else None,
            "question_answered_count": self.question[1], "question_answered_yes": self.question[0],
            "question_answered_pct": pct(*self.question),
            "wrapups": self.wrapups, "flags_raised": self.flags,
        }


@dataclass
class ExpectedHistory:
    months: dict[str, Expected]
    escalations: dict[str, dict[str, int]]  # month → sector → count
    reasons: dict[str, dict[str, int]]  # month → label → count
    flags: dict[str, dict[str, int]]  # month → procedure → count


def expected(h: History, last: str, thresholds: dict[str, tuple[int, int]]) -> ExpectedHistory:
    """`thresholds`: queue → (service_level, short_abandon), read from the queues table."""
    keys = months_up_to(last)
    out = ExpectedHistory({k: Expected() for k in keys}, {k: {} for k in keys}, {k: {} for k in keys},
                          {k: {} for k in keys})

    def month(instant: datetime) -> Expected | None:
        return out.months.get(local_month(instant))

    for s in h.stories:
        sl, short = thresholds["l1"]
        m = month(s.joined)
        if m is not None and not (s.kind in ("abandoned", "short") and s.l1_wait < short):
            if s.kind in ("solved", "transferred", "exit_then_answered"):
                m.answer(s.l1_wait, sl)
                m.l1_answered += 1
                if s.kind == "transferred":
                    m.l1_escalated += 1
                    counts = out.escalations[local_month(s.joined)]
                    counts[s.sector or ""] = counts.get(s.sector or "", 0) + 1
                else:
                    m.l1_solved += 1
            elif s.kind == "abandoned":
                m.offered += 1
                m.abandoned += 1
            else:  # callback_left
                m.offered += 1
        if s.kind == "transferred" and s.l2_joined is not None and s.l2_wait is not None:
            m2 = month(s.l2_joined)
            sl2, short2 = thresholds[f"l2-{s.sector}"]
            if m2 is not None and s.l2_answered:
                m2.answer(s.l2_wait, sl2)
            elif m2 is not None and s.l2_wait >= short2:
                m2.offered += 1
                m2.abandoned += 1
    for cb in h.callbacks:
        m = month(cb["created_at"])
        if m is None:
            continue
        rang = cb["first_ringing_at"]
        if rang is not None or cb["status"] in (CallbackStatus.FAILED, CallbackStatus.EXPIRED):
            m.callbacks_measured += 1
        m.callbacks_kept += rang is not None and rang <= cb["due_by"]
    for w in h.wrapups:
        m = month(w["call_ended_at"])
        if m is None or not (w["done_at"] is not None or w["expired"]):
            continue
        m.wrapups += 1
        label = "sans motif" if w["expired"] else w["reason_label"]
        counts = out.reasons[local_month(w["call_ended_at"])]
        counts[label] = counts.get(label, 0) + 1
    for sv in h.surveys:
        m = month(sv["started_at"])
        if m is None:
            continue
        m.surveyed += 1
        m.responded += sv["status"] != "no_answer"
        if sv["satisfaction"] is not None:
            m.satisfaction = (m.satisfaction[0] + sv["satisfaction"], m.satisfaction[1] + 1)
        if sv["answered"] is not None:
            m.question = (m.question[0] + int(sv["answered"]), m.question[1] + 1)
    for f in h.flags:
        m = month(f["created_at"])
        if m is None:
            continue
        m.flags += 1
        counts = out.flags[local_month(f["created_at"])]
        counts[f["procedure"]] = counts.get(f["procedure"], 0) + 1
    return out
