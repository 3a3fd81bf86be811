"""The ledger of wrong access codes in PostgreSQL: one row per wrong code, a pseudonym (or NULL) and a time.

Never the digits. Read when a caller picks the access-code option, within `lookup_timeout` (beyond: the count is
unknown and the code is asked, ivr.code_limit); written without the caller waiting, like the call records.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.audit.record import audit
from allo.auth.roles import AuthMethod, Principal, Role
from allo.code_guard.surge import WINDOW_S, SurgeWatch
from allo.db.models import WrongAccessCode
from allo.metrics import Metrics
from allo.settings import Settings
from allo.tasks import cancel_and_wait
from ivr.code_limit import CodeGate, CodeLimits, WrongCodeCounts, crossed

log = logging.getLogger(__name__)

WHO = Principal(0, "allo:access-codes", Role.ADMIN, AuthMethod.CLI)  # who the audit log names
MAX_PENDING = 64  # writes in flight at most: beyond, a wrong code is counted in memory only (surge, metrics)


def _now() -> datetime:
    return datetime.now(UTC)


def code_limits(settings: Settings) -> CodeLimits:
    return CodeLimits(settings.access_code_max_wrong, settings.access_code_window_hours,
                      settings.access_code_global_max_wrong, settings.access_code_global_window_minutes,
                      settings.access_code_surge_per_minute)


def ledger_hours(limits: CodeLimits) -> float:
    """How long a ledger row is of use: the longest window; older rows are erased by the retention task."""
    return max(limits.window_hours, limits.pool_window_minutes / 60)


class CodeLedger:
    def __init__(self, engine: AsyncEngine, limits: CodeLimits, metrics: Metrics, *, lookup_timeout: float = 0.5,
                 clock: Callable[[], datetime] = _now, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self.limits = limits
        self._metrics = metrics
        self._lookup_timeout = lookup_timeout
        self._clock = clock
        self._pending: set[asyncio.Task[None]] = set()
        self._sharing: asyncio.Task[None] | None = None
        self.surge = SurgeWatch(limits.surge_per_minute, self._surge_started, monotonic)
        metrics.access_code_surge.set_function(lambda: 1.0 if self.surge.active else 0.0)

    # -- reading --

    async def counts(self, caller_hashes: Sequence[str], *, pooled: bool) -> WrongCodeCounts:
        """The count that holds this caller; None in it when the ledger did not answer in time."""
        try:
            async with asyncio.timeout(self._lookup_timeout):
                if pooled:
                    return WrongCodeCounts(caller=0, pool=await self._pool_count())
                return WrongCodeCounts(caller=await self._caller_count(caller_hashes), pool=0)
        except Exception as exc:  # the caller goes on: the code is asked (ivr.code_limit.code_gate)
            log.warning("wrong-code ledger not read (%s): access code asked", type(exc).__name__)
            self._metrics.access_code_ledger.labels("read_failed").inc()
            return WrongCodeCounts(None, None)

    async def _caller_count(self, caller_hashes: Sequence[str]) -> int:
        since = self._clock() - timedelta(hours=self.limits.window_hours)
        query = select(func.count()).where(WrongAccessCode.caller_hash.in_(list(caller_hashes)),
                                           WrongAccessCode.at >= since)
        async with self._engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def _pool_count(self) -> int:
        since = self._clock() - timedelta(minutes=self.limits.pool_window_minutes)
        query = select(func.count()).where(WrongAccessCode.caller_hash.is_(None), WrongAccessCode.at >= since)
        async with self._engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    def refused(self, gate: CodeGate) -> None:
        self._metrics.access_code_refusals.labels(gate.value).inc()

    # -- writing --

    def record(self, caller_hash: str | None, *, relay: bool) -> None:
        """One wrong code: counted now (metrics, surge), written in the background."""
        pooled = caller_hash is None or relay
        self._metrics.wrong_access_codes.labels("pooled" if pooled else "caller").inc()
        self.surge.note()
        if len(self._pending) >= MAX_PENDING:
            self._metrics.access_code_ledger.labels("skipped").inc()
            return
        task = asyncio.create_task(self._write(None if pooled else caller_hash, relay))
        self._pending.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        self._metrics.access_code_ledger.labels("written" if exc is None else "write_failed").inc()
        if exc is not None:
            log.warning("wrong access code not written to the ledger: %s", type(exc).__name__)

    async def _write(self, caller_hash: str | None, relay: bool) -> None:
        now = self._clock()
        async with AsyncSession(self._engine) as session, session.begin():
            if caller_hash is not None:
                # One writer per pseudonym at a time: the crossing of the limit is seen by exactly one of them.
                await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:h))"), {"h": caller_hash})
                since = now - timedelta(hours=self.limits.window_hours)
                before = int(await session.scalar(select(func.count()).where(
                    WrongAccessCode.caller_hash == caller_hash, WrongAccessCode.at >= since)) or 0)
                if crossed(before, before + 1, self.limits.max_wrong):
                    # Neither the pseudonym nor a part of it: the audit log is kept for ever, and names no caller.
                    audit(session, WHO, "access_code.caller_blocked", "one caller",
                          wrong_codes=before + 1, window_hours=self.limits.window_hours)
                    log.warning("access code: a caller reached %d wrong codes within %g h, no longer asked",
                                before + 1, self.limits.window_hours)
            await session.execute(insert(WrongAccessCode).values(at=now, caller_hash=caller_hash, relay=relay))

    def _surge_started(self, count: int) -> None:
        log.warning("access code surge: %d wrong codes within a minute (alert at %d)", count,
                    self.limits.surge_per_minute)
        task = asyncio.create_task(self._audit_surge(count))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(_consume)

    async def _audit_surge(self, count: int) -> None:
        async with AsyncSession(self._engine) as session, session.begin():
            audit(session, WHO, "access_code.surge", "all callers", wrong_codes_last_minute=count,
                  threshold=self.limits.surge_per_minute)

    # -- several nodes --

    async def last_minute(self) -> int:
        """Every node's wrong codes within the surge's minute, from the ledger."""
        since = self._clock() - timedelta(seconds=WINDOW_S)
        async with self._engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).where(WrongAccessCode.at >= since)) or 0)

    def share(self, interval: float) -> None:
        """Several nodes: the surge counts every node's wrong codes, read from the ledger every `interval` s."""
        self.surge.shared_fresh_s = max(10.0, interval * 3)
        self._sharing = asyncio.create_task(self._share_loop(interval), name="code-surge-share")

    async def _share_loop(self, interval: float) -> None:
        failing = False
        while True:
            try:
                async with asyncio.timeout(max(2.0, interval)):
                    self.surge.shared(await self.last_minute())
                failing = False
            except Exception as exc:  # the database away: the count ages out, this node's own codes still count
                if not failing:
                    log.warning("wrong codes of the other nodes not counted: %s", type(exc).__name__)
                failing = True
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        """Let the writes in flight finish (briefly), so that a stop loses none."""
        await cancel_and_wait(self._sharing)
        self._sharing = None
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=2.0)


def _consume(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("access code surge not written to the audit log: %s", type(task.exception()).__name__)
