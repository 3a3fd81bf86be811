"""Glue between a caller's callback dialogue and the callback service (whatever implements CallbackBooking)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from acd.callbacks.types import CallbackBooking, CallbackOrigin, CallbackRefusal, CallbackRefused, CallbackRequest
from ivr.callback_offer import Book

log = logging.getLogger(__name__)

BOOK_TIMEOUT = 3.0


def booker(booking: CallbackBooking, *, queue: str, origin: CallbackOrigin, original_arrival: datetime,
           sector: str | None, call_id: str, caller_hash: str | None, timeout: float = BOOK_TIMEOUT) -> Book:
    """A `Book` for one call: any failure other than a refusal is "unavailable" (the caller keeps waiting)."""

    async def book(phone: str) -> None:
        request = CallbackRequest(phone=phone, queue=queue, origin=origin, original_arrival=original_arrival,
                                  sector=sector, call_id=call_id, caller_hash=caller_hash)
        try:
            async with asyncio.timeout(timeout):
                await booking.book(request)
        except CallbackRefused:
            raise
        except Exception as exc:  # database down, bug, timeout: the caller is told and keeps their place
            log.warning("callback for %s not booked: %s", call_id, type(exc).__name__)
            raise CallbackRefused(CallbackRefusal.UNAVAILABLE, "callback service unavailable") from exc

    return book
