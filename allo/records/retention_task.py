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
from allo.errors import ConfigError
from allo.records.retention import RetentionPolicy, RetentionReport, run_retention
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, locate_asterisk_root
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)

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
    """One run `first_delay` seconds after start, then one every `interval` seconds."""

    def __init__(self, engine: AsyncEngine, policy: RetentionPolicy, interval: float,
                 first_delay: float = FIRST_RUN_DELAY, clock: Callable[[], datetime] = _now) -> None:
        self._engine = engine
        self._policy = policy
        self._interval = interval
        self._first_delay = first_delay
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        self.failures = 0
        self.last: RetentionReport | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="retention")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        await asyncio.sleep(self._first_delay)
        while True:
            try:
                self.last = await run_retention(self._engine, self._policy, self._clock(), SERVICE)
                self.runs += 1
            except Exception as exc:
                self.failures += 1
                log.warning("retention run failed (%s: %s); next try in %.0f s", type(exc).__name__,
                            str(exc)[:200], self._interval)
            await asyncio.sleep(self._interval)


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
