"""The `confirmations` table as an outbox: enqueue (the address encrypted), the next due row (locked, skipping
rows another transaction holds), sent, retry with back-off, abandon. Sent and abandoned erase the address in the
same statement (the CHECK constraint of migration 0017 refuses anything else)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from allo.callbacks.crypto import PhoneCipher
from allo.db.after_call_models import Confirmation, ConfirmationChannel, ConfirmationStatus

STATUS_LABELS = {ConfirmationStatus.PENDING: "en attente d'envoi", ConfirmationStatus.SENT: "envoyée",
                 ConfirmationStatus.ABANDONED: "non envoyée"}


@dataclass(frozen=True, slots=True)
class Due:
    id: int
    channel: str
    message_id: str
    address: str  # decrypted, in memory only for the attempt
    content: dict[str, Any]
    attempts: int
    created_at: datetime


def backoff(attempts: int, first: float, most: float) -> timedelta:
    """Delay before the next attempt once `attempts` have failed: first, 2 x first, 4 x first… capped at `most`."""
    return timedelta(seconds=min(most, first * 2 ** max(0, min(attempts - 1, 30))))


async def enqueue(session: AsyncSession, cipher: PhoneCipher, *, call_id: str, agent: str, address: str,
                  content: dict[str, Any], message_id: str,
                  channel: ConfirmationChannel = ConfirmationChannel.EMAIL) -> Confirmation:
    row = Confirmation(call_id=call_id, agent=agent, channel=channel.value, message_id=message_id,
                       address_enc=cipher.encrypt(address), content=content,
                       status=ConfirmationStatus.PENDING.value, attempts=0)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def next_due(session: AsyncSession, cipher: PhoneCipher, now: datetime) -> Due | None:
    """The oldest pending row whose time has come, locked for this transaction (SKIP LOCKED: a row being sent,
    re-keyed or erased elsewhere is left for the next round)."""
    row = (await session.scalars(
        select(Confirmation)
        .where(Confirmation.status == ConfirmationStatus.PENDING.value, Confirmation.next_attempt_at <= now,
               Confirmation.address_enc.is_not(None))
        .order_by(Confirmation.next_attempt_at, Confirmation.id).limit(1)
        .with_for_update(skip_locked=True))).first()
    if row is None or row.address_enc is None:
        return None
    return Due(row.id, row.channel, row.message_id, cipher.decrypt(bytes(row.address_enc)), dict(row.content),
               row.attempts, row.created_at)


async def mark_sent(session: AsyncSession, row_id: int, now: datetime) -> None:
    await session.execute(update(Confirmation).where(Confirmation.id == row_id).values(
        status=ConfirmationStatus.SENT.value, address_enc=None, sent_at=now, attempts=Confirmation.attempts + 1,
        last_error=None))


async def mark_retry(session: AsyncSession, row_id: int, now: datetime, error: str, delay: timedelta) -> None:
    """`error` must hold no address (allo.confirmations.sender reduces SMTP replies to their code)."""
    await session.execute(update(Confirmation).where(Confirmation.id == row_id).values(
        attempts=Confirmation.attempts + 1, next_attempt_at=now + delay, last_error=error[:500]))


async def mark_abandoned(session: AsyncSession, row_id: int, now: datetime, reason: str, *,
                         attempted: bool = True) -> None:
    values: dict[str, Any] = {"status": ConfirmationStatus.ABANDONED.value, "address_enc": None,
                              "abandoned_at": now, "last_error": reason[:500]}
    if attempted:
        values["attempts"] = Confirmation.attempts + 1
    await session.execute(update(Confirmation).where(Confirmation.id == row_id).values(**values))


async def abandon_expired(session: AsyncSession, now: datetime, give_up: timedelta, reason: str) -> int:
    """Pending rows older than `give_up` are abandoned (their address erased); how many."""
    result = await session.execute(
        update(Confirmation)
        .where(Confirmation.status == ConfirmationStatus.PENDING.value, Confirmation.created_at < now - give_up)
        .values(status=ConfirmationStatus.ABANDONED.value, address_enc=None, abandoned_at=now, last_error=reason)
        .returning(Confirmation.id))
    return len(result.all())


async def pending_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Confirmation).where(
        Confirmation.status == ConfirmationStatus.PENDING.value)) or 0)


def status_label(row: Confirmation, local_clock: str | None = None) -> str:
    """« en attente d'envoi », « envoyée à HH:MM » (Europe/Paris, given by the caller), « non envoyée »."""
    status = ConfirmationStatus(row.status)
    if status is ConfirmationStatus.SENT and local_clock:
        return f"envoyée à {local_clock}"
    return STATUS_LABELS[status]


async def of_call(session: AsyncSession, call_id: str) -> list[Confirmation]:
    return list((await session.scalars(select(Confirmation).where(Confirmation.call_id == call_id)
                                       .order_by(Confirmation.id))).all())
