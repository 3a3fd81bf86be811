"""`AlloService.callbacks`: books callback requests (CallbackBooking), cancels them, runs the scheduler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from acd.ami.client import AmiClient
from acd.ami.event_types import AmiEvent
from acd.callbacks.phone import PhoneRejected, normalise_phone
from acd.callbacks.policy import first_schedule
from acd.callbacks.progress import Stage, parse_progress
from acd.callbacks.types import CallbackBooked, CallbackRefusal, CallbackRefused, CallbackRequest
from acd.errors import AcdError
from acd.live.state import LiveState
from allo.callbacks.asterisk import CallbackAsterisk
from allo.callbacks.crypto import PhoneCipher
from allo.callbacks.dialler import CallbackDialler
from allo.callbacks.hours import opening
from allo.callbacks.metrics import CallbackMetrics
from allo.callbacks.scheduler import CallbackScheduler
from allo.callbacks.store import AlreadyPending, CallbackStore, CancelOutcome
from allo.metrics import Metrics
from allo.privacy.pseudonyms import PseudonymKeys
from allo.rules.cache import RulesCache
from allo.settings import Settings

log = logging.getLogger(__name__)


class CancelRefused(Exception):
    """The citizen is being called right now (or Asterisk cannot be asked): too late to cancel."""


def _now() -> datetime:
    return datetime.now(UTC)


class CallbackService:
    def __init__(self, *, settings: Settings, engine: AsyncEngine, ami: AmiClient, live: LiveState, rules: RulesCache,
                 metrics: Metrics, routing_clock: Callable[[], datetime], clock: Callable[[], datetime] = _now,
                 defer_dialling: Callable[[], Awaitable[bool]] | None = None) -> None:
        self._settings = settings
        self._rules = rules
        self._clock = clock
        self._routing_clock = routing_clock
        self._pseudonyms = PseudonymKeys.of(settings.pseudonym_key.get_secret_value(),
                                            settings.pseudonym_keys_previous.get_secret_value())
        self.metrics = CallbackMetrics(metrics.registry)
        self.store = CallbackStore(engine, PhoneCipher(settings.callback_key.get_secret_value(),
                                                       settings.callback_keys_previous.get_secret_value()))
        self._asterisk = CallbackAsterisk(ami)
        self.scheduler = CallbackScheduler(settings=settings, store=self.store, ami=ami, live=live, rules=rules,
                                           metrics=self.metrics, clock=clock, routing_clock=routing_clock,
                                           dialler=CallbackDialler(engine, lambda: ami.connected,
                                                                   defer=defer_dialling))

    def on_event(self, event: AmiEvent) -> None:
        self.scheduler.on_event(event)

    def on_resync(self, snapshot: object) -> None:
        self.scheduler.on_resync(snapshot)

    async def start(self) -> None:
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()

    def _refuse(self, reason: CallbackRefusal, message: str) -> CallbackRefused:
        self.metrics.refused.labels(reason.value).inc()
        return CallbackRefused(reason, message)

    async def book(self, request: CallbackRequest) -> CallbackBooked:
        """Store the request (number encrypted); raise CallbackRefused with a reason otherwise."""
        if not request.consent:
            raise self._refuse(CallbackRefusal.NO_CONSENT, "the citizen must agree to be called back")
        try:
            phone = normalise_phone(request.phone)
        except PhoneRejected as exc:
            raise self._refuse(CallbackRefusal.INVALID_NUMBER, str(exc)) from exc
        now, routing_now = self._clock(), self._routing_clock()
        state = opening(self._rules.snapshot, request.queue, routing_now)
        schedule = first_schedule(now, routing_now, state.next_open, is_open=state.is_open,
                                  promise=timedelta(minutes=self._settings.callback_promise_minutes))
        if schedule is None:
            raise self._refuse(CallbackRefusal.UNAVAILABLE, "the service has no opening in the coming weeks")
        number_hash = self._pseudonyms.pseudonym(phone)
        assert number_hash is not None
        try:
            if not await self.store.queue_exists(request.queue):
                raise self._refuse(CallbackRefusal.UNKNOWN_QUEUE, f"no queue {request.queue!r}")
            row = await self.store.book(
                phone=phone, number_hash=number_hash, older_hashes=self._pseudonyms.older_pseudonyms(phone),
                queue=request.queue, origin=request.origin,
                sector=request.sector, call_id=request.call_id, original_arrival=request.original_arrival,
                next_attempt_at=schedule.next_attempt_at, due_by=schedule.due_by)
        except AlreadyPending as exc:
            raise self._refuse(CallbackRefusal.ALREADY_PENDING, "a callback to this number is already planned") from exc
        except CallbackRefused:
            raise
        except Exception as exc:  # the database is away: the caller is told and keeps their place
            log.warning("callback not booked: %s", type(exc).__name__)
            raise self._refuse(CallbackRefusal.UNAVAILABLE, "callbacks cannot be booked right now") from exc
        self.metrics.booked.labels(request.origin.value).inc()
        self.scheduler.wake()
        return CallbackBooked(public_id=str(row.public_id), due_by=row.due_by)

    async def cancel(self, public_id: uuid.UUID) -> CancelOutcome:
        """Cancel before the citizen is dialled; once their phone rings it is too late (CancelRefused)."""
        open_attempt = await self.store.attempt_stage(public_id)
        if open_attempt is not None:
            attempt_id, _stage = open_attempt
            try:
                raw = await self._asterisk.state(attempt_id)
                if raw is not None and parse_progress(raw).stage is not Stage.QUEUED:
                    raise CancelRefused("the citizen is being called")
                # Written before anything else: the dialplan dials only from `queued`, and never queues an
                # attempt that already has a state.
                await self._asterisk.put(attempt_id, "CANCELLED")
            except AcdError as exc:
                raise CancelRefused(f"Asterisk cannot be asked: {exc}") from exc
        outcome, attempt = await self.store.cancel(public_id, self._clock())
        if attempt is not None:
            try:
                # The scheduler may have claimed an attempt after the check above: mark it too, so an
                # Originate still in flight never queues (the dialplan refuses an attempt with a state).
                await self._asterisk.put(attempt, "CANCELLED")
                await self._asterisk.hang_up(attempt)
            except AcdError as exc:
                log.warning("callback attempt %s: waiting leg not hung up (%s)", attempt, exc)
        if outcome is CancelOutcome.CANCELLED:
            self.metrics.closed.labels("cancelled").inc()
        return outcome
