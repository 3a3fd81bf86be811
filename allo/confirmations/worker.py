"""The outbox's loop inside `allo serve`: one process sends (a PostgreSQL session advisory lock chooses it; the
others wait to take over), each due row in its own transaction: locked, composed, handed to the sender of its
channel, then marked sent, retried later or abandoned. A row is marked sent only after the server accepted it, so a
crash in between sends it again, with the same Message-ID (at least once)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from allo.callbacks.crypto import PhoneCipher
from allo.confirmations import outbox
from allo.confirmations.compose import compose
from allo.confirmations.sender import Sender, SendOutcome, SendResult, smtp_sender
from allo.db.after_call_models import ConfirmationChannel
from allo.db.leader import LeaderJob
from allo.metrics import Metrics
from allo.settings import Settings

log = logging.getLogger(__name__)

LOCK_KEY = 3939_0019  # pg_try_advisory_lock: the one sender across `allo serve` processes
NO_CHANNEL = "Envoi par SMS non disponible"


def _now() -> datetime:
    return datetime.now(UTC)


def channel_senders(settings: Settings) -> dict[ConfirmationChannel, Sender]:
    """The seam for a later SMS provider: a channel without a sender here is abandoned, never faked."""
    return {ConfirmationChannel.EMAIL: smtp_sender(settings)}


def _failed(exc: Exception) -> None:  # database or SMTP away: the next round tries again
    log.warning("confirmations round failed: %s", type(exc).__name__)


class ConfirmationWorker:
    def __init__(self, engine: AsyncEngine, settings: Settings, metrics: Metrics, *,
                 senders: Mapping[ConfirmationChannel, Sender] | None = None,
                 clock: Callable[[], datetime] = _now, lock_key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._settings = settings
        self._metrics = metrics
        self._cipher = PhoneCipher(settings.callback_key.get_secret_value(),
                                   settings.callback_keys_previous.get_secret_value())
        self._senders = dict(senders if senders is not None else channel_senders(settings))
        self._clock = clock
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # The pending gauge is set by every process, leader or not (each one's /metrics tells the same count).
        self._job = LeaderJob(engine, lock_key, "confirmations (the mails are sent)",
                              interval=settings.mail_poll_interval, round=self._round, idle=self._update_pending,
                              name="confirmations", on_error=_failed)

    @property
    def leader(self) -> bool:
        return self._job.leading

    def wake(self) -> None:
        """A confirmation was just enqueued: look now rather than at the next poll."""
        self._job.wake()

    async def start(self) -> None:
        await self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    async def _round(self) -> None:
        await self.run_once()
        await self._update_pending()

    async def _update_pending(self) -> None:
        async with self._sessions() as session:
            self._metrics.confirmations_pending.set(await outbox.pending_count(session))

    async def run_once(self) -> int:
        """Abandon what waited too long, then send every due row; how many rows were attempted."""
        give_up = timedelta(hours=self._settings.mail_give_up_hours)
        async with self._sessions() as session, session.begin():
            expired = await outbox.abandon_expired(session, self._clock(), give_up,
                                                   f"Non délivrée après {self._settings.mail_give_up_hours:g} h")
        if expired:
            self._metrics.confirmations.labels("abandoned").inc(expired)
        attempted = 0
        while await self._attempt_one():
            attempted += 1
        return attempted

    async def _attempt_one(self) -> bool:
        async with self._sessions() as session, session.begin():
            due = await outbox.next_due(session, self._cipher, self._clock())
            if due is None:
                return False
            result = await self._send(due)
            now = self._clock()
            if result.outcome is SendOutcome.SENT:
                await outbox.mark_sent(session, due.id, now)
                outcome = "sent"
            elif result.outcome is SendOutcome.REFUSED:
                await outbox.mark_abandoned(session, due.id, now, result.error)
                outcome = "abandoned"
            else:
                delay = outbox.backoff(due.attempts + 1, self._settings.mail_retry_seconds,
                                       self._settings.mail_retry_max_seconds)
                await outbox.mark_retry(session, due.id, now, result.error, delay)
                outcome = "retry"
        self._metrics.confirmations.labels(outcome).inc()
        log.info("confirmation %s: %s%s", due.id, outcome, f" ({result.error})" if result.error else "")
        return True

    async def _send(self, due: outbox.Due) -> SendResult:
        sender = self._senders.get(ConfirmationChannel(due.channel))
        if sender is None:
            return SendResult(SendOutcome.REFUSED, NO_CHANNEL)
        message = compose(due.content, due.address, due.message_id, sender=self._settings.mail_from,
                          created=due.created_at)
        return await sender(message)
