"""The outbox and its worker against the real PostgreSQL (a database of its own) and real SMTP servers: `allo
mail-sink` as a subprocess, or aiosmtpd's Controller for the replies a sink never gives (451, 550)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from allo.callbacks.crypto import PhoneCipher
from allo.confirmations import outbox
from allo.confirmations.compose import new_message_id
from allo.confirmations.sender import SendResult, smtp_sender
from allo.confirmations.worker import LOCK_KEY, ConfirmationWorker
from allo.db.after_call_models import Confirmation, ConfirmationChannel, ConfirmationStatus
from allo.metrics import Metrics
from allo.setup.sipp import free_port
from tests.integration.allo.private_db import emptied_engine, private_url_fixture
from tests.mail_kit import MailSink, html_of, links, message_id, message_ids, text_of, wait_for_mails

pytestmark = pytest.mark.integration

# Not the service's key: the session's `allo serve` (when a test started it) holds LOCK_KEY and sends nothing of
# ours (tests/conftest.py), so these workers lead among themselves.
TEST_LOCK_KEY = LOCK_KEY + 1_000_000

ADDRESS = "camille.martin@exemple.fr"
SHEET_URL = "https://www.service-public.fr/particuliers/vosdroits/F1234"
CONTENT = {"sheets": [{"id": "F1234", "title": "Carte grise : changement d'adresse", "summary": "Déclarer…",
                       "url": SHEET_URL}],
           "bodies": [{"id": "b1", "name": "Mairie de Metz", "address": "1 place d'Armes, 57000 Metz",
                       "hours": ["du lundi au vendredi : 08:30-17:00"], "hours_comment": "",
                       "phones": ["03 87 55 50 00"]}]}


mail_url = private_url_fixture("mail_url", "allo_mail")


@pytest.fixture
async def engine(mail_url) -> AsyncIterator[AsyncEngine]:
    async with emptied_engine(mail_url, Confirmation.__table__.delete()) as engine:
        yield engine


def settings_for(test_settings, port: int, **more):
    return test_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout": 5.0,
                                            "mail_retry_seconds": 0.2, "mail_retry_max_seconds": 0.4,
                                            "mail_poll_interval": 0.1, **more})


def cipher_of(settings) -> PhoneCipher:
    return PhoneCipher(settings.callback_key.get_secret_value())


async def enqueue(engine, settings, channel=ConfirmationChannel.EMAIL, address: str = ADDRESS) -> Confirmation:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        return await outbox.enqueue(session, cipher_of(settings), call_id="mail-1.1", agent="agent1001",
                                    address=address, content=CONTENT, message_id=new_message_id(settings.mail_domain),
                                    channel=channel)


async def row_of(engine, row_id: int) -> Confirmation:
    async with AsyncSession(engine) as session:
        row = await session.get(Confirmation, row_id)
        assert row is not None
        return row


async def until(engine, row_id: int, check: Callable[[Confirmation], bool], timeout: float = 15.0) -> Confirmation:
    deadline = time.monotonic() + timeout
    while True:
        row = await row_of(engine, row_id)
        if check(row):
            return row
        assert time.monotonic() < deadline, f"confirmation {row_id}: {row.status}, {row.attempts} attempt(s)"
        await asyncio.sleep(0.05)


def assert_erased(row: Confirmation) -> None:
    assert row.address_enc is None
    assert ADDRESS not in (row.last_error or "") and "@" not in (row.last_error or "")


class Replies:
    """aiosmtpd handler: RCPT answered from `codes` in turn (then 250), each message kept."""

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.messages: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.codes:
            return self.codes.pop(0).replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content)
        return "250 Message accepted"


@pytest.fixture
def controller():
    started: list[Controller] = []

    def start(handler) -> int:
        port = free_port()
        smtp = Controller(handler, hostname="127.0.0.1", port=port)
        smtp.start()
        started.append(smtp)
        return port

    yield start
    for smtp in started:
        smtp.stop()


async def test_delivered_once_with_the_sheet_links_and_the_address_erased(engine, test_settings, tmp_path):
    with MailSink(tmp_path) as sink:
        settings = settings_for(test_settings, sink.port)
        row = await enqueue(engine, settings)
        worker = ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY)
        await worker.start()
        try:
            sent = await until(engine, row.id, lambda r: r.status == ConfirmationStatus.SENT.value)
            (mail,) = await asyncio.to_thread(sink.wait_for, 1)
            assert await worker.run_once() == 0  # nothing due any more: delivered once
        finally:
            await worker.stop()
        assert len(sink.mails()) == 1
    assert_erased(sent)
    assert sent.sent_at is not None and sent.attempts == 1 and sent.last_error is None
    assert message_id(mail) == row.message_id and mail["To"] == ADDRESS
    assert links(html_of(mail)) == [SHEET_URL] and SHEET_URL in text_of(mail)
    assert "Mairie de Metz" in text_of(mail)


async def test_an_accented_address_is_delivered_with_smtputf8(engine, test_settings, tmp_path):
    with MailSink(tmp_path) as sink:
        settings = settings_for(test_settings, sink.port)
        row = await enqueue(engine, settings, address="élodie.müller@exemple.fr")
        assert await ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY).run_once() == 1
        (mail,) = await asyncio.to_thread(sink.wait_for, 1)
    assert mail["To"] == "élodie.müller@exemple.fr"
    assert_erased(await row_of(engine, row.id))


async def test_smtp_down_then_up_delivers_once_with_the_same_message_id(engine, test_settings, tmp_path):
    sink = MailSink(tmp_path)  # its port is chosen, nothing listens yet
    settings = settings_for(test_settings, sink.port)
    row = await enqueue(engine, settings)
    metrics = Metrics()
    worker = ConfirmationWorker(engine, settings, metrics, lock_key=TEST_LOCK_KEY)
    await worker.start()
    try:
        waiting = await until(engine, row.id, lambda r: r.attempts >= 3)
        assert waiting.status == ConfirmationStatus.PENDING.value and waiting.address_enc is not None
        assert waiting.last_error == "Serveur de messagerie injoignable"
        assert metrics.confirmations.labels("retry")._value.get() >= 3
        assert metrics.confirmations_pending._value.get() == 1
        with sink:
            sent = await until(engine, row.id, lambda r: r.status == ConfirmationStatus.SENT.value)
            mails = await asyncio.to_thread(sink.wait_for, 1)
            assert await worker.run_once() == 0
            assert len(sink.mails()) == 1
            await _wait(lambda: metrics.confirmations_pending._value.get() == 0)
    finally:
        await worker.stop()
    assert_erased(sent)
    assert message_ids(mails) == {row.message_id}
    assert metrics.confirmations.labels("sent")._value.get() == 1


async def test_a_5xx_for_the_recipient_abandons_at_once_and_erases(engine, test_settings, controller):
    handler = Replies("550 5.1.1 <{address}>: Recipient address rejected")
    settings = settings_for(test_settings, controller(handler))
    row = await enqueue(engine, settings)
    worker = ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY)
    assert await worker.run_once() == 1
    abandoned = await row_of(engine, row.id)
    assert abandoned.status == ConfirmationStatus.ABANDONED.value and abandoned.abandoned_at is not None
    assert abandoned.attempts == 1 and "550" in (abandoned.last_error or "")
    assert_erased(abandoned)
    assert handler.messages == []


async def test_a_4xx_is_retried_then_delivered(engine, test_settings, controller):
    handler = Replies("451 4.7.1 <{address}>: greylisted, try again later")
    settings = settings_for(test_settings, controller(handler))
    row = await enqueue(engine, settings)
    worker = ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY)
    await worker.start()
    try:
        sent = await until(engine, row.id, lambda r: r.status == ConfirmationStatus.SENT.value)
    finally:
        await worker.stop()
    assert sent.attempts == 2 and len(handler.messages) == 1
    assert_erased(sent)


async def test_a_restart_before_the_row_is_marked_sends_again_with_the_same_message_id(engine, test_settings,
                                                                                       tmp_path):
    """The server accepted the mail, the process died before marking it: at least once, recognisably."""
    with MailSink(tmp_path) as sink:
        settings = settings_for(test_settings, sink.port)
        row = await enqueue(engine, settings)
        real = smtp_sender(settings)
        hang = asyncio.Event()

        async def send_then_die(message: EmailMessage) -> SendResult:
            await real(message)
            await hang.wait()  # never set: the worker is stopped here, as by a crash
            raise AssertionError("unreachable")

        first = ConfirmationWorker(engine, settings, Metrics(), senders={ConfirmationChannel.EMAIL: send_then_die},
                                   lock_key=TEST_LOCK_KEY)
        await first.start()
        await asyncio.to_thread(sink.wait_for, 1)
        await first.stop()
        assert (await row_of(engine, row.id)).status == ConfirmationStatus.PENDING.value
        second = ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY)
        await second.start()
        try:
            sent = await until(engine, row.id, lambda r: r.status == ConfirmationStatus.SENT.value)
        finally:
            await second.stop()
        mails = await asyncio.to_thread(wait_for_mails, sink.folder, 2)
    assert len(mails) == 2 and message_ids(mails) == {row.message_id}
    assert_erased(sent)


async def test_pending_past_the_give_up_delay_is_abandoned(engine, test_settings):
    settings = settings_for(test_settings, free_port(), mail_give_up_hours=24.0)
    row = await enqueue(engine, settings)
    async with engine.begin() as conn:
        await conn.execute(update(Confirmation).where(Confirmation.id == row.id)
                           .values(created_at=datetime.now(UTC) - timedelta(hours=25)))
    metrics = Metrics()
    assert await ConfirmationWorker(engine, settings, metrics, lock_key=TEST_LOCK_KEY).run_once() == 0
    abandoned = await row_of(engine, row.id)
    assert abandoned.status == ConfirmationStatus.ABANDONED.value and abandoned.attempts == 0
    assert abandoned.last_error == "Non délivrée après 24 h"
    assert_erased(abandoned)
    assert metrics.confirmations.labels("abandoned")._value.get() == 1


async def test_an_sms_row_is_abandoned_not_faked(engine, test_settings):
    settings = settings_for(test_settings, free_port())
    row = await enqueue(engine, settings, channel=ConfirmationChannel.SMS)
    await ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY).run_once()
    abandoned = await row_of(engine, row.id)
    assert abandoned.status == ConfirmationStatus.ABANDONED.value
    assert abandoned.last_error == "Envoi par SMS non disponible"
    assert_erased(abandoned)


async def test_one_process_sends_the_other_takes_over_when_it_stops(engine, test_settings, tmp_path):
    with MailSink(tmp_path) as sink:
        settings = settings_for(test_settings, sink.port)
        first, second = (ConfirmationWorker(engine, settings, Metrics(), lock_key=TEST_LOCK_KEY) for _ in range(2))
        await first.start()
        await _wait(lambda: first.leader)
        await second.start()
        try:
            rows = [await enqueue(engine, settings) for _ in range(3)]
            for row in rows:
                await until(engine, row.id, lambda r: r.status == ConfirmationStatus.SENT.value)
            assert not second.leader
            async with engine.connect() as conn:  # the leader's lock connection holds no transaction open
                states = (await conn.scalars(text(
                    "SELECT a.state FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                    "WHERE l.locktype = 'advisory' AND l.objid = :key "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
                    {"key": TEST_LOCK_KEY})).all()
            assert states == ["idle"]
            await first.stop()
            await _wait(lambda: second.leader)
            late = await enqueue(engine, settings)
            await until(engine, late.id, lambda r: r.status == ConfirmationStatus.SENT.value)
        finally:
            await first.stop()
            await second.stop()
        mails = await asyncio.to_thread(sink.wait_for, 4)
    assert len(mails) == 4 and message_ids(mails) == {r.message_id for r in [*rows, late]}
    async with AsyncSession(engine) as session:
        assert (await session.scalars(select(Confirmation.address_enc).where(
            Confirmation.address_enc.is_not(None)))).all() == []


async def _wait(condition: Callable[[], bool] | Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
