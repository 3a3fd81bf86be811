"""Exponential back-off with jitter for reconnection attempts (pure, random source injected)."""

from __future__ import annotations

import random


class Backoff:
    """Delays ``initial, 2·initial, 4·initial… ≤ maximum``, each jittered into ``[d/2, d]``.

    The jitter keeps several clients (or a restarted Asterisk with many peers) from reconnecting in
    lock-step; keeping at least half the nominal delay keeps the growth meaningful.
    """

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError(f"invalid back-off bounds: initial={initial!r} maximum={maximum!r}")
        self._initial = initial
        self._maximum = maximum
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - not cryptographic
        self._attempt = 0

    @property
    def attempt(self) -> int:
        """How many delays were handed out since the last :meth:`reset`."""
        return self._attempt

    def reset(self) -> None:
        self._attempt = 0

    def nominal(self) -> float:
        """The un-jittered delay the next call to :meth:`next_delay` is based on."""
        # Cap the exponent: 2**1100 would overflow a float long after the cap is reached anyway.
        return min(self._maximum, self._initial * 2.0 ** min(self._attempt, 64))

    def next_delay(self) -> float:
        nominal = self.nominal()
        self._attempt += 1
        return nominal / 2 + self._rng.uniform(0.0, nominal / 2)
