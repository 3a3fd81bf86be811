"""Retention (docs/privacy.md): journeys older than `journey_retention_days` are erased, with everything hanging
off them; recordings of callers, if any, after `recording_retention_days`.

A journey is a `calls` row and, by its call_id, its `queue_legs`, `call_notes`, closed `callbacks` (their
`callback_attempts` with them), written `confirmations` and `survey_responses` (issue 19). Rows of those tables
older than the cut-off whose call row is already gone (a web callback has no call) go by their own time. Open
callbacks are never erased here: they close first, then age.
Each batch is its own short transaction, rows locked with SKIP LOCKED: a run never holds a table, and running it
again erases nothing more.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from allo.audit.record import audit
from allo.auth.roles import Principal
from allo.db.after_call_models import Confirmation, SurveyResponse
from allo.db.callback_models import Callback, CallbackAttempt, CallbackStatus
from allo.db.models import Call, CallNote, QueueLeg, WrongAccessCode

log = logging.getLogger(__name__)

OPEN = (CallbackStatus.PENDING, CallbackStatus.IN_PROGRESS)
BATCH = 500
COUNTED = ("calls", "queue_legs", "call_notes", "callbacks", "callback_attempts", "recordings", "wrong_access_codes",
           "confirmations", "survey_responses")


@dataclass(frozen=True)
class RetentionPolicy:
    journey_days: int
    recording_days: int
    recording_dirs: tuple[Path, ...] = ()  # where caller recordings would be (Asterisk's monitor, voicemail)
    batch: int = BATCH
    ledger_hours: float = 24.0  # wrong access codes are of no use beyond the longest window (allo.code_guard)


@dataclass
class RetentionReport:
    journeys_before: datetime
    recordings_before: datetime
    dry_run: bool
    calls: int = 0
    queue_legs: int = 0
    call_notes: int = 0
    callbacks: int = 0
    callback_attempts: int = 0
    recordings: int = 0
    wrong_access_codes: int = 0
    confirmations: int = 0
    survey_responses: int = 0
    batches: int = 0

    def erased(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTED}

    def summary(self) -> str:
        verb = "would erase" if self.dry_run else "erased"
        counts = ", ".join(f"{count} {name}" for name, count in self.erased().items())
        return (f"retention {verb} {counts} (journeys before {self.journeys_before:%Y-%m-%d %H:%M}, recordings "
                f"before {self.recordings_before:%Y-%m-%d %H:%M} UTC, {self.batches} batches)")


def _old_calls(cutoff: datetime) -> Select[Any]:
    return select(Call.call_id).where(Call.started_at < cutoff)


def _closed_callbacks(condition: ColumnElement[bool]) -> Select[Any]:
    return select(Callback.id).where(condition, Callback.status.not_in(OPEN))


async def _erase_journeys(conn: AsyncConnection, call_ids: Sequence[str], report: RetentionReport) -> None:
    """One batch of calls and what hangs off them, in the caller's transaction."""
    callbacks = (await conn.scalars(_closed_callbacks(Callback.call_id.in_(call_ids)))).all()
    await _erase_callbacks(conn, callbacks, report)
    report.call_notes += (await conn.execute(delete(CallNote).where(CallNote.call_id.in_(call_ids)))).rowcount
    report.confirmations += (await conn.execute(
        delete(Confirmation).where(Confirmation.call_id.in_(call_ids)))).rowcount
    report.survey_responses += (await conn.execute(
        delete(SurveyResponse).where(SurveyResponse.call_id.in_(call_ids)))).rowcount
    report.queue_legs += (await conn.execute(delete(QueueLeg).where(QueueLeg.call_id.in_(call_ids)))).rowcount
    report.calls += (await conn.execute(delete(Call).where(Call.call_id.in_(call_ids)))).rowcount


async def _erase_callbacks(conn: AsyncConnection, ids: Sequence[int], report: RetentionReport) -> None:
    if not ids:
        return
    report.callback_attempts += (await conn.execute(
        delete(CallbackAttempt).where(CallbackAttempt.callback_id.in_(ids)))).rowcount
    report.callbacks += (await conn.execute(delete(Callback).where(Callback.id.in_(ids)))).rowcount


async def _count(conn: AsyncConnection, query: Select[Any]) -> int:
    return int((await conn.scalar(select(func.count()).select_from(query.subquery()))) or 0)


async def _dry_run(engine: AsyncEngine, cutoff: datetime, ledger_cutoff: datetime, report: RetentionReport) -> None:
    old = _old_calls(cutoff)
    async with engine.connect() as conn:
        report.wrong_access_codes = await _count(conn, select(WrongAccessCode.id).where(
            WrongAccessCode.at < ledger_cutoff))
        report.calls = await _count(conn, old)
        report.queue_legs = await _count(conn, select(QueueLeg.id).where(
            or_(QueueLeg.call_id.in_(old), QueueLeg.joined_at < cutoff)))
        report.call_notes = await _count(conn, select(CallNote.id).where(
            or_(CallNote.call_id.in_(old), CallNote.created_at < cutoff)))
        report.confirmations = await _count(conn, select(Confirmation.id).where(
            or_(Confirmation.call_id.in_(old), Confirmation.created_at < cutoff)))
        report.survey_responses = await _count(conn, select(SurveyResponse.id).where(
            or_(SurveyResponse.call_id.in_(old), SurveyResponse.started_at < cutoff)))
        callbacks = _closed_callbacks(or_(Callback.call_id.in_(old), Callback.created_at < cutoff))
        report.callbacks = await _count(conn, callbacks)
        report.callback_attempts = await _count(conn, select(CallbackAttempt.id).where(
            CallbackAttempt.callback_id.in_(callbacks)))


async def _erase(engine: AsyncEngine, cutoff: datetime, ledger_cutoff: datetime, batch: int,
                 report: RetentionReport) -> None:
    while True:  # calls first, with what hangs off them
        async with engine.begin() as conn:
            call_ids: Sequence[str] = (await conn.scalars(_old_calls(cutoff).order_by(Call.started_at).limit(batch)
                                      .with_for_update(skip_locked=True))).all()
            if call_ids:
                await _erase_journeys(conn, call_ids, report)
                report.batches += 1
        if len(call_ids) < batch:
            break
    leftovers: list[tuple[Any, ColumnElement[bool], str]] = [
        (QueueLeg, QueueLeg.joined_at < cutoff, "queue_legs"), (CallNote, CallNote.created_at < cutoff, "call_notes"),
        (WrongAccessCode, WrongAccessCode.at < ledger_cutoff, "wrong_access_codes"),
        (Confirmation, Confirmation.created_at < cutoff, "confirmations"),
        (SurveyResponse, SurveyResponse.started_at < cutoff, "survey_responses")]
    for model, condition, counter in leftovers:
        while True:
            async with engine.begin() as conn:
                ids = (await conn.scalars(select(model.id).where(condition).limit(batch)
                                          .with_for_update(skip_locked=True))).all()
                if ids:
                    erased = (await conn.execute(delete(model).where(model.id.in_(ids)))).rowcount
                    setattr(report, counter, getattr(report, counter) + erased)
                    report.batches += 1
            if len(ids) < batch:
                break
    while True:  # web callbacks (no call row) by their own time
        async with engine.begin() as conn:
            callback_ids: Sequence[int] = (await conn.scalars(
                _closed_callbacks(Callback.created_at < cutoff).limit(batch).with_for_update(skip_locked=True))).all()
            await _erase_callbacks(conn, callback_ids, report)
            report.batches += 1 if callback_ids else 0
        if len(callback_ids) < batch:
            break


def _recordings(dirs: Sequence[Path], before: datetime, dry_run: bool) -> int:
    """Files older than `before` under `dirs` (recursively); the directories themselves stay."""
    limit, found = before.timestamp(), 0
    for top in dirs:
        for folder, _subdirs, files in os.walk(top):
            for name in files:
                path = Path(folder) / name
                try:
                    if path.is_file() and not path.is_symlink() and path.stat().st_mtime < limit:
                        if not dry_run:
                            path.unlink()
                        found += 1
                except FileNotFoundError:
                    continue
    return found


async def run_retention(engine: AsyncEngine, policy: RetentionPolicy, now: datetime, who: Principal, *,
                        dry_run: bool = False) -> RetentionReport:
    """Erase (or count, when `dry_run`) what is past retention at `now`; a real run adds an audit entry."""
    report = RetentionReport(now - timedelta(days=policy.journey_days), now - timedelta(days=policy.recording_days),
                             dry_run)
    started = time.monotonic()
    ledger_cutoff = now - timedelta(hours=policy.ledger_hours)
    if dry_run:
        await _dry_run(engine, report.journeys_before, ledger_cutoff, report)
    else:
        await _erase(engine, report.journeys_before, ledger_cutoff, max(1, policy.batch), report)
    report.recordings = _recordings(policy.recording_dirs, report.recordings_before, dry_run)
    if not dry_run:
        async with AsyncSession(engine) as session, session.begin():
            audit(session, who, "privacy.retention", f"journeys before {report.journeys_before:%Y-%m-%d}",
                  journey_days=policy.journey_days, recording_days=policy.recording_days,
                  batches=report.batches, **report.erased())
    log.info("%s in %.1f s", report.summary(), time.monotonic() - started)
    return report
