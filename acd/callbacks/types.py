"""The contract between whoever takes a callback request (menu, queue exit key, web form) and the callback service."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from acd.errors import AcdError


class CallbackOrigin(enum.StrEnum):
    MENU = "menu"
    QUEUE = "queue"
    WEB = "web"


class CallbackRefusal(enum.StrEnum):
    INVALID_NUMBER = "invalid_number"
    UNKNOWN_QUEUE = "unknown_queue"
    NO_CONSENT = "no_consent"
    ALREADY_PENDING = "already_pending"
    UNAVAILABLE = "unavailable"  # database unreachable: the caller is told, and stays in the queue


class CallbackRefused(AcdError):
    def __init__(self, reason: CallbackRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CallbackRequest:
    phone: str  # as typed or confirmed; the booking service normalises and validates it
    queue: str
    origin: CallbackOrigin
    original_arrival: datetime  # served in this order, ahead of anyone who arrived later
    sector: str | None = None
    call_id: str | None = None
    caller_hash: str | None = None
    consent: bool = True  # a caller who confirms on the phone consents; the web form must say so


@dataclass(frozen=True)
class CallbackBooked:
    public_id: str
    due_by: datetime


class CallbackBooking(Protocol):
    async def book(self, request: CallbackRequest) -> CallbackBooked:
        """Store the request (number encrypted); raise CallbackRefused with a reason otherwise."""
        ...
