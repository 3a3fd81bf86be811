"""One open desk stream: what is still to be sent to it, the latest of each kind, in the order they came.

A slow page never holds the others back: a new `state` replaces the `state` it has not read yet, but never a
`pop`, a `call-ended` or a `notes` event (each kind keeps its own latest). A kind offered again moves to the end,
so "pop 1, call-ended 1, pop 2" not yet read is read as "call-ended 1, pop 2".
"""

from __future__ import annotations

import asyncio
import enum


class DeskEvent(enum.StrEnum):
    STATE = "state"
    POP = "pop"
    CALL_ENDED = "call-ended"
    NOTES = "notes"
    WRAPUP = "wrapup"


class DeskSubscription:
    def __init__(self, agent: str) -> None:
        self.agent = agent
        self._pending: dict[DeskEvent, str] = {}
        self._ready = asyncio.Event()
        self._closed = False

    def offer(self, kind: DeskEvent, data: str) -> None:
        self._pending.pop(kind, None)
        self._pending[kind] = data
        self._ready.set()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    @property
    def pending(self) -> list[DeskEvent]:
        return list(self._pending)

    async def next(self) -> tuple[DeskEvent, str] | None:
        """The oldest event not yet taken; None once the hub has stopped."""
        while not self._pending:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        if self._closed:
            return None
        kind = next(iter(self._pending))
        return kind, self._pending.pop(kind)
