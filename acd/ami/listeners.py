"""Synchronous callback lists whose failures are logged, never propagated."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Listeners(Generic[T]):
    """Ordered callbacks ``callback(item) -> None``; one raising does not stop the others."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._callbacks: list[Callable[[T], None]] = []

    def add(self, callback: Callable[[T], None]) -> None:
        self._callbacks.append(callback)

    def remove(self, callback: Callable[[T], None]) -> None:
        """Forget ``callback`` (no error if it was not registered)."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def __len__(self) -> int:
        return len(self._callbacks)

    def notify(self, item: T) -> None:
        for callback in list(self._callbacks):
            try:
                callback(item)
            except Exception:
                name = getattr(callback, "__qualname__", type(callback).__name__)
                logger.exception("AMI %s listener %s raised; continuing with the others", self._kind, name)
