"""Prometheus metrics of callbacks, registered on the service's own registry.

The promise is counted where the citizen feels it (docs/callbacks.md): once per callback when their phone first
rings (`rang`) and once when they are reached (`reached`), each `on_time` = yes/no against `due_by`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class CallbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.booked = Counter("allo_callbacks_booked", "Callbacks booked, by origin", ["origin"], registry=registry)
        self.refused = Counter("allo_callbacks_refused", "Callback requests refused, by reason", ["reason"],
                               registry=registry)
        self.attempts = Counter("allo_callback_attempts", "Callback attempts ended, by outcome", ["outcome"],
                                registry=registry)
        self.closed = Counter("allo_callbacks_closed", "Callbacks closed, by status", ["status"], registry=registry)
        self.rang = Counter("allo_callbacks_rang", "Callbacks whose citizen's phone first rang, before the "
                            "promised time or not", ["on_time"], registry=registry)
        self.reached = Counter("allo_callbacks_reached", "Callbacks whose citizen picked up, before the promised "
                               "time or not", ["on_time"], registry=registry)
        self.risen = Counter("allo_callbacks_risen", "Callbacks moved ahead of new arrivals near their deadline",
                             registry=registry)
        self.at_risk = Gauge("allo_callbacks_at_risk", "Open callbacks within the rise lead time of their deadline "
                             "whose citizen's phone has not rung yet", registry=registry)
