"""POST/GET /api/desk/calls/{call_id}/confirmation(s) against the running service, PostgreSQL and a real SMTP
server (`allo mail-sink`): delivered once with the sheet links, bad input refused at once in French, the address in
no reply, no row, no audit entry and no log once sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.after_call_models import Confirmation
from allo.db.knowledge_models import DirBody, KbSheet
from allo.db.models import Call
from tests.integration.allo.desk.desk_kit import adviser_headers
from tests.mail_kit import MailSink, html_of, links, message_ids, text_of

pytestmark = pytest.mark.integration

MINE, THEIRS = "mailapi-1.1", "mailapi-2.1"
ADDRESS = "dominique.mailapi@exemple.fr"
SHEET = "F90111"
METZ_CAF = "00000000-3939-4000-8000-000000000004"  # the demo directory's (test_directory_api.py)


async def _run(url: str, *statements):
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(statement)
            return result.all() if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def sink(tmp_path_factory) -> Iterator[MailSink]:
    with MailSink(tmp_path_factory.mktemp("mailapi")) as sink:
        yield sink


@pytest.fixture(scope="module")
def calls(test_settings, seeded) -> Iterator[str]:
    now = datetime.now(UTC)
    rows = [{"call_id": call_id, "dialled": "3939", "started_at": now, "outcome": "answered", "agent": agent,
             "answered_queue": "l1"} for call_id, agent in ((MINE, "agent1001"), (THEIRS, "agent1002"))]
    url = test_settings.sqlalchemy_url
    asyncio.run(_run(url, Call.__table__.insert().values(rows)))
    yield url
    asyncio.run(_run(url, delete(Confirmation).where(Confirmation.call_id.like("mailapi-%")),
                     delete(Call).where(Call.call_id.like("mailapi-%"))))


@pytest.fixture
def service(allo_service, sink):
    """The service sending to the sink, retrying fast (started once for the module; `running_service` restores the
    default settings for the tests after it)."""
    wanted = {**sink.env(), "ALLO_MAIL_RETRY_SECONDS": "0.3", "ALLO_MAIL_POLL_INTERVAL": "0.2"}
    alive = allo_service.proc is not None and allo_service.proc.poll() is None
    if allo_service.env != wanted or allo_service.fixed_now != allo_service.DEFAULT_NOW or not alive:
        allo_service.stop()
        allo_service.env = wanted
        allo_service.fixed_now = allo_service.DEFAULT_NOW
        allo_service.start()
    return allo_service


@pytest.fixture
def adviser(service, calls) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.base_url, headers=adviser_headers(service, "mailapi1001", "agent1001"),
                      timeout=10) as client:
        yield client


def rows_of(url: str, call_id: str) -> list:
    return asyncio.run(_run(url, select(Confirmation.id, Confirmation.status, Confirmation.address_enc,
                                        Confirmation.message_id).where(Confirmation.call_id == call_id)))


def wait_listed(adviser: httpx.Client, call_id: str, status: str, timeout: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        listed = adviser.get(f"/api/desk/calls/{call_id}/confirmations")
        assert listed.status_code == 200, listed.text
        if listed.json() and all(item["status"] == status for item in listed.json()):
            return listed.json()
        assert time.monotonic() < deadline, listed.json()
        time.sleep(0.1)


def test_a_confirmation_is_delivered_once_with_the_sheet_links_and_leaves_no_address(adviser, calls, sink, service):
    before = len(sink.mails())
    reply = adviser.post(f"/api/desk/calls/{MINE}/confirmation",
                         json={"address": f"  {ADDRESS} ", "sheets": [SHEET], "bodies": [METZ_CAF]})
    assert reply.status_code == 202, reply.text
    queued = reply.json()
    assert queued["status"] == "pending" and queued["status_label"] == "en attente d'envoi"
    assert queued["message_id"].startswith("<confirmation-") and ADDRESS not in reply.text
    (item,) = wait_listed(adviser, MINE, "sent")
    assert item["id"] == queued["id"] and item["status_label"].startswith("envoyée à ")
    assert item["attempts"] == 1 and item["sent_at"] and item["reason"] is None
    ((title,),) = asyncio.run(_run(calls, select(KbSheet.title).where(KbSheet.id == SHEET)))
    ((name,),) = asyncio.run(_run(calls, select(DirBody.name).where(DirBody.id == METZ_CAF)))
    assert item["sheets"] == [title] and item["bodies"] == [name]
    mails = sink.wait_for(before + 1)[before:]
    assert len(mails) == 1 and message_ids(mails) == {queued["message_id"]}
    (mail,) = mails
    assert mail["To"] == ADDRESS
    assert links(html_of(mail)) == [f"https://www.service-public.gouv.fr/particuliers/vosdroits/{SHEET}"]
    assert title in text_of(mail) and name in text_of(mail)
    ((_, status, address_enc, _),) = rows_of(calls, MINE)
    assert status == "sent" and address_enc is None
    # The address is in no reply, no audit entry and no log of the service.
    assert ADDRESS not in adviser.get(f"/api/desk/calls/{MINE}/confirmations").text
    audit = asyncio.run(_run(calls, text("SELECT actor, target, detail::text FROM audit_log "
                                         "WHERE action = 'confirmation.send' AND target = :call"
                                         ).bindparams(call=MINE)))
    assert audit and all(ADDRESS not in " ".join(map(str, entry)) for entry in audit)
    assert f'"confirmation": {queued["id"]}' in audit[-1][2]
    assert ADDRESS not in service.log.read_text(errors="replace")
    assert sink.wait_for(before + 1) and len(sink.mails()) == before + 1  # once, not twice


def test_smtp_down_shows_pending_then_up_delivers_once(adviser, calls, sink, service):
    """The desk's « en attente d'envoi » while the SMTP server is stopped; started again: one mail, same Message-ID."""
    sink.stop()
    try:
        reply = adviser.post(f"/api/desk/calls/{MINE}/confirmation", json={"address": ADDRESS, "bodies": [METZ_CAF]})
        assert reply.status_code == 202, reply.text
        queued = reply.json()
        deadline = time.monotonic() + 15
        while True:
            item = next(i for i in adviser.get(f"/api/desk/calls/{MINE}/confirmations").json()
                        if i["id"] == queued["id"])
            if item["attempts"] >= 2:
                break
            assert time.monotonic() < deadline, item
            time.sleep(0.1)
        assert (item["status"], item["status_label"], item["sent_at"]) == ("pending", "en attente d'envoi", None)
        assert {row[2] is not None for row in rows_of(calls, MINE) if row[0] == queued["id"]} == {True}
    finally:
        before = len(sink.mails())
        sink.start()
    sent = [i for i in wait_listed(adviser, MINE, "sent") if i["id"] == queued["id"]]
    assert sent and sent[0]["attempts"] >= 3
    mails = sink.wait_for(before + 1)[before:]
    assert message_ids(mails) == {queued["message_id"]} and len(sink.mails()) == before + 1
    assert [row[2] for row in rows_of(calls, MINE) if row[0] == queued["id"]] == [None]


@pytest.mark.parametrize(("body", "detail"), [
    ({"address": "dominique.exemple.fr", "sheets": [SHEET]}, "Adresse e-mail invalide : il manque le signe « @ »."),
    ({"address": ADDRESS, "sheets": [SHEET], "channel": "sms"}, "Envoi par SMS non disponible"),
    ({"address": ADDRESS}, "Choisissez au moins une fiche ou un organisme à envoyer."),
    ({"address": ADDRESS, "sheets": ["F00000"]}, "Fiche inconnue : F00000."),
    ({"address": ADDRESS, "bodies": ["no-such-body"]}, "Organisme inconnu : no-such-body."),
])
def test_bad_requests_are_refused_at_once_in_french(adviser, calls, body, detail):
    before = rows_of(calls, THEIRS) + rows_of(calls, MINE)
    reply = adviser.post(f"/api/desk/calls/{MINE}/confirmation", json=body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["detail"] == detail
    assert rows_of(calls, THEIRS) + rows_of(calls, MINE) == before


def test_only_the_adviser_who_answered_may_send_or_read(adviser, service, calls):
    body = {"address": ADDRESS, "sheets": [SHEET]}
    assert adviser.post(f"/api/desk/calls/{THEIRS}/confirmation", json=body).status_code == 403
    assert adviser.get(f"/api/desk/calls/{THEIRS}/confirmations").status_code == 403
    assert adviser.post("/api/desk/calls/mailapi-none.1/confirmation", json=body).status_code == 404
    ops = httpx.post(f"{service.base_url}/api/desk/calls/{MINE}/confirmation", json=body,
                     headers=service.headers(Role.OPS), timeout=10)
    assert ops.status_code == 403
    assert httpx.post(f"{service.base_url}/api/desk/calls/{MINE}/confirmation", json=body,
                      timeout=10).status_code == 401
    assert rows_of(calls, THEIRS) == []


def refused_count(service) -> float:
    metrics = httpx.get(f"{service.base_url}/metrics", headers=service.headers(Role.ADMIN), timeout=10).text
    assert "\nallo_confirmations_pending " in metrics
    line = next((x for x in metrics.splitlines() if x.startswith('allo_confirmations_total{outcome="refused"}')),
                None)
    return float(line.split()[-1]) if line else 0.0


def test_the_metrics_count_a_refused_address_and_show_the_pending_gauge(adviser, service):
    before = refused_count(service)
    reply = adviser.post(f"/api/desk/calls/{MINE}/confirmation", json={"address": "x@", "sheets": [SHEET]})
    assert reply.status_code == 422
    assert refused_count(service) == before + 1
