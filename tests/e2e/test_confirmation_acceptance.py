"""Issue 19's acceptance for the written confirmation, end to end: real Asterisk, a SIPp citizen, the adviser's
baresip phone and desk in Chromium, PostgreSQL, and a real SMTP server (`allo mail-sink`, tests/mail_kit.py) that
`allo serve` is pointed at with ALLO_SMTP_PORT.

The adviser joins a sheet and orients the caller to a body during the call, fills the wrap-up, sends the
confirmation from the desk: the SMTP server receives exactly one mail with the sheet's service-public.fr link; the
database (every column of every table), the service's log and the page hold no address afterwards. Then the SMTP
server stopped: a second confirmation shows « en attente d'envoi » on the page while the worker retries; started
again: delivered exactly once (counted by Message-ID) and the page says « envoyée à HH:MM ». A second test drives
the panel with the keyboard alone, shows the server's French error beside the field, and « non envoyée » with its
reason for a recipient an SMTP server refuses for good (550).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.errors import AmiActionFailed
from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from allo.settings import Settings
from allo.setup import sipp
from allo.setup.service_process import ServiceProcess
from tests.browser_kit import shot
from tests.e2e.agent_kit import register_phone, wait_member
from tests.e2e.baresip_kit import baresip_phone
from tests.e2e.desk_kit import desk_account, open_desk, tab_to, wrapup_time
from tests.e2e.knowledge_kit import focused
from tests.mail_kit import MailSink, html_of, links, message_id, text_of

pytestmark = pytest.mark.e2e

SHEET = "F90211"  # a demo sheet (« Démission d'un salarié »), found by « demission »
SENT = re.compile(r"^envoyée à \d\d:\d\d$")
PENDING = "en attente d'envoi"
RECORDED_OR_SENT = re.compile(r"Confirmation (enregistrée|envoyée) à \d\d:\d\d")


def mail_env(sink: MailSink) -> dict[str, str]:
    """allo serve pointed at the test's SMTP server, with retries and polling short enough for a test."""
    return {**sink.env(), "ALLO_MAIL_RETRY_SECONDS": "0.5", "ALLO_MAIL_RETRY_MAX_SECONDS": "1",
            "ALLO_MAIL_POLL_INTERVAL": "0.2"}


@pytest.fixture(scope="module")
def mail_stack(allo_service: ServiceProcess, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[ServiceProcess, MailSink]]:
    """A real SMTP server on a free port, and allo serve restarted to deliver there; both stopped after."""
    sink = MailSink(tmp_path_factory.mktemp("smtp")).start()
    allo_service.stop()
    allo_service.fixed_now = allo_service.DEFAULT_NOW
    allo_service.env = mail_env(sink)
    try:
        allo_service.start()
        yield allo_service, sink
    finally:
        allo_service.stop()
        allo_service.env = {}
        sink.stop()


async def db_rows(settings: Settings, sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def confirmations_of(settings: Settings, call_id: str) -> list[Any]:
    return await db_rows(settings, "SELECT id, status, address_enc IS NULL AS erased, message_id, attempts "
                                   "FROM confirmations WHERE call_id = :call ORDER BY id", call=call_id)


async def tables_holding(settings: Settings, needle: str) -> dict[str, int]:
    """Every table of the database read whole (each row as text: every column, bytea in hex) for `needle`."""
    tables = await db_rows(settings, "SELECT table_schema, table_name FROM information_schema.tables "
                                     "WHERE table_type = 'BASE TABLE' "
                                     "AND table_schema NOT IN ('pg_catalog', 'information_schema')")
    assert len(tables) > 20, tables  # the whole schema, not an empty search path
    found: dict[str, int] = {}
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            for schema, table in tables:
                count = (await conn.execute(text(
                    f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE strpos(lower(t::text), :needle) > 0'),
                    {"needle": needle.lower()})).scalar_one()
                if count:
                    found[f"{schema}.{table}"] = count
    finally:
        await engine.dispose()
    return found


async def until(check, what: str, timeout: float = 15.0) -> Any:
    """Wait for `check()` (async) to return something truthy, with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.1)


class RefuseRecipient:
    """aiosmtpd handler: every recipient refused for good (a 5xx abandons the confirmation at once)."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 Recipient address rejected"


def mails_to(sink: MailSink, address: str) -> list[EmailMessage]:
    return [m for m in sink.mails() if address in str(m["To"])]


async def sheet_url(settings: Settings, sheet_id: str) -> str:
    (url,), = await db_rows(settings, "SELECT sp_url FROM kb_sheets WHERE id = :id", id=sheet_id)
    assert url.startswith("https://www.service-public"), url
    return str(url)


async def join_sheet(page: Page, query: str, sheet_id: str) -> None:
    await page.fill("#kb-q", query)
    sheet = page.locator(f"#kb-results li[data-id='{sheet_id}']")
    await sheet.locator("button.desk-join").click()
    await expect(sheet.locator(".desk-join-status")).to_have_text("Fiche jointe à la confirmation.")


async def orient_first_body(page: Page, query: str) -> str:
    await page.fill("#dir-q", query)
    body = page.locator("#dir-results li").first
    name = (await body.locator(".body-name").inner_text()).strip()
    await body.get_by_role("button", name=f"Orienter vers {name}").click()
    await expect(body.locator(".desk-kb-status").first).to_have_text(f"Orientation enregistrée : {name}.")
    return name


async def send_confirmation(page: Page, address: str) -> None:
    await page.fill("#desk-confirm-address", address)
    await page.click("#desk-confirm-send")
    # « enregistrée » at the POST's answer; « envoyée » as soon as the list is read again: with a fast SMTP server
    # the first can be replaced before an assertion sees it (failed so on a fresh clone).
    await expect(page.locator("#desk-confirm-status")).to_contain_text(RECORDED_OR_SENT)
    await expect(page.locator("#desk-confirm-address")).to_have_value("")


def state_of(page: Page, confirmation_id: int):
    return page.locator(f"#desk-confirm-list li[data-confirmation-id='{confirmation_id}'] .desk-confirm-state")


@contextlib.asynccontextmanager
async def logged_out_after(service: ServiceProcess, agent: str) -> AsyncIterator[None]:
    try:
        yield
    finally:
        async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.SUPERVISOR),
                                     timeout=10) as client:
            await client.post(f"/api/agents/{agent}/logout")  # 409 when already out: fine


async def test_a_confirmation_sent_from_the_desk_arrives_once_keeps_no_address_and_survives_smtp_down(
        test_settings, mail_stack, ami_watch, demo_passwords, page: Page) -> None:
    service, sink = mail_stack
    agent = "agent1001"
    first = f"usager.{secrets.token_hex(4)}@exemple.fr"
    second = f"autre.{secrets.token_hex(4)}@exemple.fr"
    url = await sheet_url(test_settings, SHEET)
    started = time.monotonic()
    async with wrapup_time(test_settings, "l1", 120), \
            baresip_phone(test_settings, agent, demo_passwords[agent]) as phone:
        await open_desk(page, service, await desk_account(service, agent))
        await expect(page.locator("#desk-confirm")).to_be_hidden()  # no call: no panel
        citizen = None
        try:
            await page.click("#desk-login")
            await wait_member(service, "l1", f"PJSIP/{agent}", paused=False)
            mark = len(phone.events)
            citizen = sipp.citizen(test_settings.sip_port, caller=f"0658{secrets.randbelow(10**6):06d}", keys="1",
                                   timeout_s=120).start()
            joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=30)
            call_id = joined.uniqueid
            await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == call_id)
            await phone.wait_event("CALL_ESTABLISHED", lambda e: e.get("direction") == "incoming", after=mark)
            await expect(page.locator("#desk-call-id")).to_have_text(call_id)
            await expect(page.locator("#desk-confirm")).to_be_visible()

            # During the call: a sheet joined, a body given; both are in the list, checked.
            await join_sheet(page, "demission", SHEET)
            body_name = await orient_first_body(page, "mairie")
            items = page.locator("#desk-confirm-items")
            await expect(items.locator(f"input[data-kind=sheet][value='{SHEET}']")).to_be_checked()
            await expect(items.locator("input[data-kind=body]")).to_be_checked()
            await expect(items).to_contain_text(f"Organisme : {body_name}")
            # A reload during the call loses neither: the body is read from call_orientations, the sheet kept.
            await page.reload()
            await expect(page.locator("#desk-live")).to_have_text("en direct")
            await expect(items.locator(f"input[data-kind=sheet][value='{SHEET}']")).to_be_checked()
            await expect(items.locator("input[data-kind=body]")).to_be_checked()
            await expect(items).to_contain_text(f"Organisme : {body_name}")

            # The adviser hangs up; the wrap-up is filled; the confirmation sent from the panel, still shown.
            await phone.hangup()
            assert (await asyncio.to_thread(citizen.wait, 30)).ok
            await expect(page.locator("#desk-wrapup")).to_be_visible()
            await page.select_option("#desk-wrapup-list", index=1)
            await expect(page.locator("#desk-outcome-oriented")).to_be_checked()
            await expect(page.locator("#desk-confirm")).to_be_visible()
            await send_confirmation(page, first)
            (row,) = await confirmations_of(test_settings, call_id)
            await expect(state_of(page, row.id)).to_have_text(SENT)
            await expect(page.locator("#desk-confirm-status")).to_contain_text("Confirmation envoyée à")
            (mail,) = mails_to(sink, first)
            assert url in text_of(mail) and body_name in text_of(mail), text_of(mail)
            assert url in links(html_of(mail)), html_of(mail)
            assert message_id(mail) == row.message_id, (message_id(mail), row)
            (row,) = await confirmations_of(test_settings, call_id)
            assert row.status == "sent" and row.erased, row
            await shot(page, "confirmation-sent")

            # No address anywhere: the database read whole (the same scan finds the call id: it reads), the
            # service's log, the page.
            assert "public.calls" in await tables_holding(test_settings, call_id)
            assert await tables_holding(test_settings, first) == {}
            assert first not in Path(service.log).read_text(errors="replace")
            assert first not in await page.content()

            # SMTP down: the second confirmation waits, retried; SMTP back: delivered once.
            sink.stop()
            await send_confirmation(page, second)
            _, pending = await confirmations_of(test_settings, call_id)
            await expect(state_of(page, pending.id)).to_have_text(PENDING)

            async def retried() -> bool:
                rows = await confirmations_of(test_settings, call_id)
                return rows[-1].attempts >= 2 and rows[-1].status == "pending"
            await until(retried, "two failed attempts while the SMTP server is down")
            await expect(state_of(page, pending.id)).to_have_text(PENDING)
            await shot(page, "confirmation-pending")
            sink.start()
            await expect(state_of(page, pending.id)).to_have_text(SENT, timeout=20_000)
            ids = [message_id(m) for m in sink.mails()]
            assert ids.count(pending.message_id) == 1 and ids.count(row.message_id) == 1, ids
            assert len(mails_to(sink, second)) == 1
            rows = await confirmations_of(test_settings, call_id)
            assert [(r.status, r.erased) for r in rows] == [("sent", True), ("sent", True)], rows
            assert await tables_holding(test_settings, second) == {}

            # « Terminer »: the wrap-up saved, the panel goes with the call.
            await page.click("#desk-wrapup-done")
            await expect(page.locator("#desk-message")).to_contain_text("Après-appel enregistré")
            await expect(page.locator("#desk-confirm")).to_be_hidden()
            print(f"[confirmation] acceptance steps took {time.monotonic() - started:.1f} s")
        except BaseException:
            with contextlib.suppress(Exception):
                await shot(page, "confirmation-acceptance-failed")
            raise
        finally:
            if sink.proc is None:
                sink.start()
            if citizen is not None:
                citizen.stop()
            with contextlib.suppress(AmiActionFailed):
                await ami_watch.client.queue_remove("l1", f"PJSIP/{agent}")


async def test_the_panel_with_the_keyboard_alone_the_servers_error_beside_the_field_and_a_refusal(
        test_settings, mail_stack, ami_watch, demo_passwords, page: Page) -> None:
    service, sink = mail_stack
    agent = "agent1002"
    address = f"clavier.{secrets.token_hex(4)}@exemple.fr"
    port = await register_phone(test_settings, agent, demo_passwords[agent])
    await open_desk(page, service, await desk_account(service, agent))
    adviser = citizen = None
    async with logged_out_after(service, agent):
        try:
            await tab_to(page, "desk-login")
            await page.keyboard.press("Enter")
            await wait_member(service, "l1", f"PJSIP/{agent}", paused=False)
            adviser = sipp.agent_until_bye(test_settings.sip_port, port).start()
            citizen = sipp.citizen(test_settings.sip_port, caller=f"0659{secrets.randbelow(10**6):06d}", keys="1",
                                   timeout_s=90).start()
            joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=30)
            await expect(page.locator("#desk-call-id")).to_have_text(joined.uniqueid)

            # Alt+K, a search, Tab to « Joindre à la confirmation » of the sheet, Enter.
            await page.keyboard.press("Alt+k")
            await page.keyboard.type("demission")
            join = page.locator(f"#kb-results li[data-id='{SHEET}'] button.desk-join")
            await expect(join).to_be_visible()
            for _ in range(20):  # from the search field, through the results, to the sheet's button
                await page.keyboard.press("Tab")
                if await join.evaluate("(button) => document.activeElement === button"):
                    break
            else:
                raise AssertionError("« Joindre à la confirmation » never reached with Tab")
            await page.keyboard.press("Enter")
            await expect(page.locator(f"#desk-confirm-sheet-{SHEET}")).to_be_checked()

            # Alt+C, nothing typed, Enter: said beside the field; then a bad address: the server's French error.
            field = page.locator("#desk-confirm-address")
            await page.keyboard.press("Alt+c")
            assert await focused(page) == "desk-confirm-address"
            await page.keyboard.press("Enter")
            await expect(page.locator("#desk-confirm-error")).to_have_text("Saisissez l'adresse e-mail de l'usager.")
            await page.keyboard.type("usager@@exemple")
            await tab_to(page, "desk-confirm-send")
            await page.keyboard.press("Enter")
            error = page.locator("#desk-confirm-error")
            await expect(error).to_contain_text("Adresse e-mail invalide")
            await expect(field).to_have_attribute("aria-invalid", "true")
            assert "desk-confirm-error" in ((await field.get_attribute("aria-describedby")) or "").split()
            assert await focused(page) == "desk-confirm-address"
            await expect(field).to_have_value("usager@@exemple")  # kept, to be corrected
            await shot(page, "confirmation-bad-address")
            assert await db_rows(test_settings, "SELECT id FROM confirmations WHERE call_id = :c",
                                 c=joined.uniqueid) == []

            # Corrected with the keyboard, sent: field emptied, error gone, the state shown then « envoyée ».
            await page.keyboard.press("Control+a")
            await page.keyboard.type(address)
            await page.keyboard.press("Enter")
            await expect(field).to_have_value("")
            await expect(error).to_have_text("")
            assert await field.get_attribute("aria-invalid") is None
            await expect(page.locator("#desk-confirm-list li .desk-confirm-state")).to_have_text(SENT)
            await expect(page.locator("#desk-confirm-status")).to_contain_text("Confirmation")
            (mail,) = mails_to(sink, address)
            assert "Démission" in text_of(mail)

            # A server refusing the recipient for good (550): « non envoyée » with its reason, never the address.
            refused = f"refus.{secrets.token_hex(4)}@exemple.fr"
            sink.stop()
            smtp = Controller(RefuseRecipient(), hostname=MailSink.HOST, port=sink.port)
            smtp.start()
            try:
                await page.keyboard.type(refused)
                await page.keyboard.press("Enter")
                await expect(field).to_have_value("")
                state = page.locator("#desk-confirm-list li .desk-confirm-state").last
                await expect(state).to_contain_text("non envoyée (")
                await expect(state).to_contain_text("550")
                await expect(page.locator("#desk-confirm-status")).to_contain_text("Confirmation non envoyée")
                assert refused not in await page.content()
            finally:
                smtp.stop()
        finally:
            if sink.proc is None:
                sink.start()
            for party in (citizen, adviser):
                if party is not None:
                    party.stop()
