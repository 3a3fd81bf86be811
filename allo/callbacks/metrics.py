"""Prometheus counters of callbacks, registered on the service's own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class CallbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.booked = Counter("allo_callbacks_booked", "Callbacks booked, by origin", ["origin"], registry=registry)
        self.refused = Counter("allo_callbacks_refused", "Callback requests refused, by reason", ["reason"],
                               registry=registry)
        self.attempts = Counter("allo_callback_attempts", "Callback attempts ended, by outcome", ["outcome"],
                                registry=registry)
        self.closed = Counter("allo_callbacks_closed", "Callbacks closed, by status", ["status"], registry=registry)
        self.late = Counter("allo_callbacks_late", "Attempts started after the promised time", registry=registry)
