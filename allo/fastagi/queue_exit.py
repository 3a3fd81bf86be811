"""The `queue-exit` FastAGI route: a caller left a queue at its maximum wait (reason=timeout) or with the exit
key 9 (reason=key). Python decides: overflow, callback offer, or back into the queue at the same place.

Whatever fails here, the dialplan puts the caller back into the queue: nobody is dropped.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from acd.callbacks.types import CallbackBooking, CallbackOrigin
from acd.queues.exit_policy import ExitReason, StepKind, after_exit, requeue_timeout
from agi.errors import AgiError
from agi.session import AgiSession
from allo.callbacks.booking import booker
from allo.db.models import CallOutcome, LegOutcome
from allo.fastagi.channel import AgiChannel
from allo.privacy.pseudonyms import PseudonymKeys
from allo.queues.figures import QueueFigures
from allo.queues.legs import LegTracker
from allo.records.recorder import CallRecorder
from ivr.callback_offer import ChannelDialog, OfferResult, offer_callback
from ivr.errors import CallerHungUp
from ivr.queue_prompts import QueuePrompt
from routing.route import Route
from routing.rules import LEVEL1_QUEUE

log = logging.getLogger(__name__)

class QueueExitHandler:
    def __init__(self, figures: QueueFigures, legs: LegTracker, recorder: CallRecorder, pseudonyms: PseudonymKeys,
                 booking: CallbackBooking | None, *, relay_input_ms: int = 0) -> None:
        self._figures = figures
        self._relay_input_ms = relay_input_ms
        self._legs = legs
        self._recorder = recorder
        self._pseudonyms = pseudonyms
        self._booking = booking

    async def handle(self, session: AgiSession) -> None:
        call_id, queue = session.uniqueid, session.args.get("queue") or LEVEL1_QUEUE
        try:
            reason = ExitReason(session.args.get("reason", ""))
        except ValueError:
            reason = ExitReason.KEY  # unknown: treat as a request, the caller can still choose to wait
        position = _int(session.args.get("position")) or self._legs.last_position(call_id, queue) or 0
        policy = self._figures.policy(queue)
        overflowed = self._legs.overflowed(call_id)
        step = after_exit(reason, policy, overflowed=overflowed)
        left = LegOutcome.TIMEOUT if reason is ExitReason.TIMEOUT else LegOutcome.LEFT
        end_reason = "max_wait" if reason is ExitReason.TIMEOUT else "exit_key"
        if step.kind is StepKind.OVERFLOW:
            self._legs.close(call_id, queue, LegOutcome.OVERFLOW, end_reason)
            self._legs.mark_overflowed(call_id)
            target = self._figures.policy(step.queue)
            await self._route(session, step.queue, target.route_timeout(overflowed=True), None)
            return
        self._legs.close(call_id, queue, left, end_reason)
        if step.kind is StepKind.OFFER_CALLBACK and await self._offer(session, queue, reason, end_reason):
            return
        waited = self._legs.waited(call_id, queue, datetime.now(UTC))
        timeout = requeue_timeout(reason, policy, overflowed=overflowed, waited_s=waited)
        await self._route(session, queue, timeout, position or None)

    async def _offer(self, session: AgiSession, queue: str, reason: ExitReason, end_reason: str) -> bool:
        """True when a callback was booked (the caller has been told and is hung up by the dialplan)."""
        booking = self._booking
        channel = AgiChannel(session)
        if booking is None:
            with contextlib.suppress(CallerHungUp, AgiError):
                await channel.play([QueuePrompt.UNAVAILABLE])
            return False
        call_id = session.uniqueid
        book = booker(booking, queue=queue, origin=CallbackOrigin.QUEUE,
                      original_arrival=self._legs.first_arrival(call_id) or datetime.now(UTC),
                      sector=self._figures.policy(queue).sector, call_id=call_id,
                      caller_hash=self._pseudonyms.pseudonym(session.caller_id))
        # A relay call (ALLO_RELAY, set by the ivr route): keys awaited longer, and its own number is the platform's.
        relay = session.args.get("relay") == "1"
        dialog = ChannelDialog(channel, input_floor_ms=self._relay_input_ms if relay else 0)
        try:
            outcome = await offer_callback(dialog, None if relay else session.caller_id, book)
        except CallerHungUp:
            return True  # gone: nothing to route
        log.info("queue exit %s (%s) of %s: callback %s", queue, reason.value, call_id, outcome.result.value)
        if outcome.result is not OfferResult.BOOKED:
            return False
        self._legs.close(call_id, queue, LegOutcome.CALLBACK, end_reason)
        self._recorder.submit(call_id, {"outcome": CallOutcome.CALLBACK, "ended_at": datetime.now(UTC),
                                        "end_reason": "callback"})
        with contextlib.suppress(AgiError):
            for name, value in Route.hangup().channel_variables().items():
                await session.set_variable(name, value)
        return True

    @staticmethod
    async def _route(session: AgiSession, queue: str, timeout: int, position: int | None) -> None:
        variables = {**Route.to_queue(queue, timeout).channel_variables(), "ALLO_QUEUE_POSITION": str(position or "")}
        with contextlib.suppress(AgiError):  # the dialplan falls back to the same queue
            for name, value in variables.items():
                await session.set_variable(name, value)


def _int(text: str | None) -> int | None:
    try:
        return int(text or "")
    except ValueError:
        return None
