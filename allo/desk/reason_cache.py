"""The pause reasons' labels as the desk shows them, read from `desk_reasons` once a minute (or on demand).

The state document is built on every member event of an adviser, so it must not query PostgreSQL: it reads this
cache. A refresh that fails keeps the last labels (a code with no label is shown as itself).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from allo.db.desk_models import DeskReason, ReasonKind
from allo.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class ReasonLabels:
    def __init__(self, engine: AsyncEngine, *, interval: float = 60.0, timeout: float = 2.0) -> None:
        self._engine = engine
        self.interval = interval
        self._timeout = timeout
        self._labels: dict[str, str] = {}
        self._enabled: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def label(self, code: str) -> str:
        return self._labels.get(code, code)

    def enabled(self, code: str) -> bool:
        return code in self._enabled

    def pause_reasons(self) -> list[dict[str, str]]:
        return [{"code": code, "label": label} for code, label in self._labels.items() if code in self._enabled]

    async def refresh(self) -> bool:
        """Read the pause reasons again; False (the last ones kept) when PostgreSQL did not answer in time."""
        query = (select(DeskReason.code, DeskReason.label, DeskReason.enabled)
                 .where(DeskReason.kind == ReasonKind.PAUSE.value).order_by(DeskReason.position, DeskReason.code))
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except Exception as exc:  # keep showing the last labels
            log.warning("pause reasons not refreshed: %s", type(exc).__name__)
            return False
        self._labels = {code: label for code, label, _ in rows}
        self._enabled = {code for code, _, enabled in rows if enabled}
        return True

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._loop(), name="desk-reason-labels")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.refresh()
