"""Running retention: daily inside `allo serve` (a failure is logged and retried next time, calls never see it),
and on demand with `allo retention run [--dry-run]`."""

from __future__ import annotations

import asyncio
import getpass
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.code_guard.ledger import code_limits, ledger_hours
from allo.db.engine import make_engine
from allo.db.leader import LeaderJob
from allo.errors import ConfigError
from allo.records.retention import RetentionPolicy, RetentionReport, run_retention
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, locate_asterisk_root

log = logging.getLogger(__name__)

LOCK_KEY = 3939_2103  # pg_try_advisory_lock: one retention run at a time across `allo serve` processes
FIRST_RUN_DELAY = 60.0  # seconds after start-up: the service is up and settled before the first run
SERVICE = Principal(0, "allo:retention", Role.ADMIN, AuthMethod.CLI)  # who the audit log names for daily runs


def _now() -> datetime:
    return datetime.now(UTC)


def recording_dirs(instance: AsteriskInstance | None) -> tuple[Path, ...]:
    """Where Asterisk would put callers' recordings (MixMonitor's default, voicemail): allo records nothing today."""
    if instance is None:
        return ()
    spool = f"{instance.var_dir}/spool"
    return tuple(instance.host_path(f"{spool}/{name}") for name in ("monitor", "voicemail"))


def policy_of(settings: Settings, instance: AsteriskInstance | None, batch: int | None = None) -> RetentionPolicy:
    policy = RetentionPolicy(settings.journey_retention_days, settings.recording_retention_days,
                             recording_dirs(instance), ledger_hours=ledger_hours(code_limits(settings)))
    return policy if batch is None else replace(policy, batch=batch)


class RetentionTask:
    """One run `first_delay` seconds after start, then one every `interval` seconds, by the process that holds the
    advisory lock at that moment (across nodes, one run at a time; another node's run finds nothing left to do)."""

    def __init__(self, engine: AsyncEngine, policy: RetentionPolicy, interval: float,
                 first_delay: float = FIRST_RUN_DELAY, clock: Callable[[], datetime] = _now, *,
                 lock_key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._policy = policy
        self._interval = interval
        self._clock = clock
        # hold=False: a daily job holds no connection in between; the lock is let go after each run.
        self._job = LeaderJob(engine, lock_key, "retention (old journeys erased)", interval=interval,
                              round=self._run, idle=self._skip, on_error=self._failed, name="retention",
                              first_delay=first_delay, hold=False)
        self.runs = 0
        self.skipped = 0  # rounds another process was running retention
        self.failures = 0
        self.last: RetentionReport | None = None

    @property
    def running(self) -> bool:
        return self._job.running

    async def start(self) -> None:
        await self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    async def run_once(self) -> RetentionReport | None:
        """One run if no other process is running one (None when skipped or failed)."""
        return self.last if await self._job.run_once() else None

    async def _run(self) -> None:
        self.last = await run_retention(self._engine, self._policy, self._clock(), SERVICE)
        self.runs += 1

    async def _skip(self) -> None:
        self.skipped += 1

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        log.warning("retention run failed (%s: %s); next try in %.0f s", type(exc).__name__,
                    str(exc)[:200], self._interval)


def retention_command(settings: Settings, dry_run: bool, batch: int | None) -> int:
    if batch is not None and batch < 1:
        raise ConfigError("--batch must be 1 or more")
    root = locate_asterisk_root(settings)
    instance = AsteriskInstance(root, settings.asterisk_instance) if root is not None else None
    operator = Principal(0, f"cli:{getpass.getuser()}"[:63], Role.ADMIN, AuthMethod.CLI)

    async def work() -> RetentionReport:
        engine = make_engine(settings, pool_size=1)
        try:
            return await run_retention(engine, policy_of(settings, instance, batch), _now(), operator,
                                       dry_run=dry_run)
        finally:
            await engine.dispose()

    report = asyncio.run(work())
    print(report.summary())
    return 0
