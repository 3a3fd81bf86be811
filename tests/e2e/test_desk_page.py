"""The adviser's desk (/desk) in chromium against the real stack: the keyboard alone logs in, pauses with a reason
and resumes; `*13` on the phone shows « En pause » within a second; a SIPp call answered by the adviser pops the
card with the menu path (focus untouched, announced); the notes typed are saved and survive a reload; the sector
buttons show their state and a refused one is disabled with its reason; the transfer from the desk carries the
notes; the wrap-up records a reason and an outcome and lifts the wrap-up pause. Screenshots: tests/artifacts/desk-*.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from acd.ami.events import AgentConnect, QueueCallerJoin, QueueMemberPause
from allo.auth.roles import Role
from allo.db.desk_models import CallWrapup
from allo.setup import sipp
from tests.browser_kit import login, shot
from tests.e2e.agent_kit import register_phone, wait_member
from tests.e2e.desk_kit import (
    WATCH_STATE,
    desk_account,
    open_desk,
    specialists_closed,
    state_shown_at,
    tab_to,
    wrapup_time,
)
from tests.e2e.knowledge_kit import focused

pytestmark = pytest.mark.e2e


async def _dial(test_settings, demo_passwords, user: str, code: str) -> None:
    result = await asyncio.to_thread(sipp.agent_dial(test_settings.sip_port, user, demo_passwords[user], code).run)
    assert result.ok, result.log


async def test_an_adviser_logs_in_pauses_and_resumes_with_the_keyboard_and_sees_star13(
        test_settings, running_service, ami_watch, demo_passwords, page: Page) -> None:
    agent = "agent1002"
    interface = f"PJSIP/{agent}"
    await open_desk(page, running_service, await desk_account(running_service, agent))
    await expect(page.locator("#desk-state")).to_have_text("Déconnecté")
    await expect(page.locator("#desk-login")).to_be_enabled()
    for button in ("pause", "resume", "logout"):
        await expect(page.locator(f"#desk-{button}")).to_be_disabled()
    try:
        await tab_to(page, "desk-login")
        await page.keyboard.press("Enter")
        await expect(page.locator("#desk-state")).to_have_text("Disponible")
        await expect(page.locator("#desk-queues")).to_have_text("l1")
        await wait_member(running_service, "l1", interface, paused=False)
        assert await focused(page) == "desk-pause"  # the pressed button is disabled: focus on the next action

        # A reason chosen in the list with the arrow keys, then Pause.
        await page.keyboard.press("Shift+Tab")
        assert await focused(page) == "desk-pause-reason"
        await page.keyboard.press("ArrowDown")
        code = await page.locator("#desk-pause-reason").input_value()
        label = await page.locator("#desk-pause-reason option:checked").inner_text()
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await expect(page.locator("#desk-state")).to_have_text(f"En pause — {label}")
        await wait_member(running_service, "l1", interface, paused=True, reason=code)
        assert await focused(page) == "desk-resume"
        await shot(page, "desk-paused")
        await page.keyboard.press("Enter")
        await expect(page.locator("#desk-state")).to_have_text("Disponible")
        await wait_member(running_service, "l1", interface, paused=False)

        # *13 on the phone: the desk shows it within a second of Asterisk's QueueMemberPause.
        received: dict[str, float] = {}

        def note(event: object) -> None:
            if isinstance(event, QueueMemberPause) and event.member_name == agent and event.paused:
                received.setdefault("pause", time.time())

        ami_watch.client.add_listener(note)
        await page.evaluate(WATCH_STATE)
        await _dial(test_settings, demo_passwords, agent, "*13")
        await ami_watch.wait_for(QueueMemberPause, lambda e: e.member_name == agent and e.paused)
        delay = await state_shown_at(page, "paused") - received["pause"]
        assert delay < 1.0, f"*13 shown {delay:.3f} s after QueueMemberPause"
        await expect(page.locator("#desk-state")).to_contain_text("En pause")
        await expect(page.locator("#desk-resume")).to_be_enabled()

        # « Signaler une difficulté » on a sheet of the side panel, with the keyboard.
        await page.keyboard.press("Alt+k")
        assert await focused(page) == "kb-q"
        await page.keyboard.type("demission")
        first = page.locator("#kb-results li").first
        await expect(first).to_have_attribute("data-id", "F90211")
        await first.locator("button.desk-flag").focus()
        await page.keyboard.press("Enter")
        assert await focused(page) == await first.locator("form.desk-flag-form textarea").get_attribute("id")
        text = f"Le préavis n'est pas expliqué ({agent})"
        await page.keyboard.type(text)
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await expect(first.locator(".desk-kb-status")).to_have_text("Signalement envoyé à l'exploitation. Merci.")
        async with httpx.AsyncClient(base_url=running_service.base_url, headers=running_service.headers(Role.OPS),
                                     timeout=10) as client:
            groups = (await client.get("/api/knowledge/flags")).json()
        flagged = [f for g in groups if g["sheet_id"] == "F90211" for f in g["flags"] if f["text"] == text]
        assert len(flagged) == 1 and flagged[0]["author"] == f"desk-{agent}", groups

        await tab_to(page, "desk-logout")
        await page.keyboard.press("Enter")
        await expect(page.locator("#desk-state")).to_have_text("Déconnecté")
        await wait_member(running_service, "l1", interface, present=False)
        assert await focused(page) == "desk-login"
        print(f"desk: *13 shown {delay * 1000:.0f} ms after QueueMemberPause")
    finally:
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=running_service.headers(Role.SUPERVISOR), timeout=10) as client:
            await client.post(f"/api/agents/{agent}/logout")  # 409 when already out: fine


@pytest.fixture
async def l1_wrapup_two_minutes(test_settings) -> AsyncIterator[None]:
    async with wrapup_time(test_settings, "l1", 120):
        yield


async def test_a_call_pops_notes_survive_a_reload_the_transfer_carries_them_and_the_wrapup_is_recorded(
        test_settings, running_service, ami_watch, demo_passwords, l1_wrapup_two_minutes, browser: Browser,
        page: Page) -> None:
    agent, expert = "agent1001", "agent2001"  # agent2001 serves l2-travail
    credentials = await desk_account(running_service, agent)
    expert_context = await browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                               viewport={"width": 1280, "height": 900})
    expert_page = await expert_context.new_page()
    await open_desk(expert_page, running_service, await desk_account(running_service, expert))
    port = await register_phone(test_settings, agent, demo_passwords[agent])
    expert_port = await register_phone(test_settings, expert, demo_passwords[expert])
    await ami_watch.client.queue_add("l2-travail", f"PJSIP/{expert}", expert)
    await open_desk(page, running_service, credentials)
    level1 = level2 = citizen = None
    try:
        await page.get_by_role("button", name="Se connecter").click()
        await wait_member(running_service, "l1", f"PJSIP/{agent}", paused=False)

        # The sector buttons: Travail has an adviser logged in, Consommation nobody (refused, with its reason).
        travail, consommation = page.locator("#desk-sector-travail"), page.locator("#desk-sector-consommation")
        await expect(page.locator("#desk-sector-travail-state")).to_contain_text("ouvert · 1 conseiller disponible")
        await expect(consommation).to_be_disabled()
        await expect(page.locator("#desk-sector-consommation-why")).to_have_text(
            "Aucun conseiller n'est connecté à ce pôle ; l'appelant reste avec vous.")
        described = await consommation.get_attribute("aria-describedby") or ""
        assert "desk-sector-consommation-why" in described.split()
        await expect(travail).to_be_disabled()  # no call yet
        await expect(page.locator("#desk-sector-travail-why")).to_have_text(
            "Transfert possible seulement pendant un appel.")

        await page.locator("#kb-q").focus()  # the adviser is typing somewhere: the pop must not move the focus
        level1 = sipp.agent_until_bye(test_settings.sip_port, port).start()
        level2 = sipp.agent(test_settings.sip_port, expert_port, talk_ms=1500).start()
        citizen = sipp.citizen(test_settings.sip_port, caller="0655400018", keys="1").start()
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
        call_id = joined.uniqueid
        await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l1")
        await expect(page.locator("#desk-call-id")).to_have_text(call_id)
        await expect(page.locator("#desk-call-queue")).to_have_text("l1")
        await expect(page.locator("#desk-call-origin")).to_have_text("File d'attente")
        await expect(page.locator("#desk-path-keys")).to_contain_text("1")
        assert await page.locator("#desk-path-steps li").count() > 0
        await expect(page.locator("#desk-announce")).to_contain_text("Appel reçu de la file l1")
        assert await focused(page) == "kb-q"
        await expect(page.locator("#desk-state")).to_have_text("En communication")
        timings = await page.evaluate("() => window.allo_desk_timings.last.pop")
        assert timings["call_id"] == call_id and timings["receipt_to_dom_ms"] < 100, timings
        assert timings["event_to_dom_ms"] < 1000, timings
        await expect(travail).to_be_enabled()
        await shot(page, "desk-pop")

        # Notes saved as typed, kept across a reload.
        await page.keyboard.press("Alt+n")
        assert await focused(page) == "desk-note"
        await page.keyboard.type("Démission, préavis ; dossier 42")
        await expect(page.locator("#desk-note-status")).to_contain_text("Enregistré à")
        await page.reload()
        await expect(page.locator("#desk-live")).to_have_text("en direct")
        await expect(page.locator("#desk-call-id")).to_have_text(call_id)
        await expect(page.locator("#desk-note")).to_have_value("Démission, préavis ; dossier 42")

        # Someone else's note on the call shows read-only, my text area untouched.
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=running_service.headers(Role.SUPERVISOR), timeout=10) as client:
            added = await client.post(f"/api/calls/{call_id}/notes", json={"text": "Vu par le superviseur"})
            assert added.status_code == 201, added.text
        await expect(page.locator("#desk-other-notes")).to_contain_text("Vu par le superviseur")
        await expect(page.locator("#desk-note")).to_have_value("Démission, préavis ; dossier 42")

        # « Orienter » on a body of the directory, and a supervisor-help request.
        await page.locator("#dir-q").fill("mairie")
        body = page.locator("#dir-results li").first
        body_name = (await body.locator(".body-name").inner_text()).strip()
        await body.get_by_role("button", name=f"Orienter vers {body_name}").click()
        await expect(body.locator(".desk-kb-status")).to_have_text(f"Orientation enregistrée : {body_name}.")
        await page.get_by_label("Précision pour le superviseur").fill("Usager agressif")
        await page.get_by_role("button", name="Demander l'aide d'un superviseur").click()
        await expect(page.locator("#desk-help-status")).to_contain_text("Demande envoyée aux superviseurs")
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=running_service.headers(Role.SUPERVISOR), timeout=10) as client:
            asked = (await client.get("/api/supervisor/help")).json()
        assert any(h["call_id"] == call_id and h["text"] == "Usager agressif" for h in asked), asked

        # The reason during the call, then more notes and at once the transfer: the note is saved first.
        reason = page.locator("#desk-reason-list")
        await reason.select_option(index=1)
        reason_code = await reason.input_value()
        reason_label = (await reason.locator("option:checked").inner_text()).strip()
        await expect(page.locator("#desk-reason-status")).to_contain_text("Motif enregistré")
        await page.locator("#desk-note").press("End")
        await page.locator("#desk-note").type(" ; à transférer")
        await travail.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#desk-sectors-status")).to_contain_text("Appel transféré à")
        connected = await ami_watch.wait_for(
            AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l2-travail", timeout=20)
        assert connected.member_name == expert
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=running_service.headers(Role.SUPERVISOR), timeout=10) as client:
            context = (await client.get(f"/api/calls/{call_id}")).json()
        assert context["transferred_to"] == "travail"
        assert [n["text"] for n in context["notes"]] == ["Démission, préavis ; dossier 42 ; à transférer",
                                                         "Vu par le superviseur"]

        # The level-2 adviser's desk pops with « Transféré par », the level-1 notes and reason.
        transfer_from = expert_page.locator("#desk-transfer-from")
        await expect(expert_page.locator("#desk-call-id")).to_have_text(call_id)
        await expect(expert_page.locator("#desk-call-level")).to_contain_text("Niveau 2")
        await expect(transfer_from.locator("h3")).to_contain_text(f"Transféré par {agent}")
        await expect(expert_page.locator("#desk-transfer-notes")).to_contain_text(
            "Démission, préavis ; dossier 42 ; à transférer")
        await expect(expert_page.locator("#desk-transfer-reason")).to_have_text(
            f"Motif indiqué par le niveau 1 : {reason_label}")
        # The call is in Travail already: that button says so instead of offering a pointless transfer.
        await expect(expert_page.locator("#desk-sector-travail-why")).to_have_text("L'appel est déjà dans ce secteur.")
        await expect(expert_page.locator("#desk-sector-travail")).to_have_attribute("aria-disabled", "true")
        await shot(expert_page, "desk-level2-pop")

        # The wrap-up: prefilled from the call (reason, transferred to Travail), recorded, the pause lifted.
        wrapup = page.locator("#desk-wrapup")
        await expect(wrapup).to_be_visible(timeout=15_000)
        await expect(page.locator("#desk-state")).to_have_text("Après-appel")
        await expect(page.locator("#desk-wrapup-countdown")).to_contain_text("Temps restant : 1 min")  # of 2 min
        await expect(page.locator("#desk-outcome-transferred")).to_be_checked()  # the transfer wins over the body
        await expect(page.locator("#desk-wrapup-sector")).to_have_value("travail")
        await expect(page.locator("#desk-wrapup-list")).to_have_value(reason_code)
        await shot(page, "desk-wrapup")
        await page.keyboard.press("Alt+w")
        assert await focused(page) == "desk-wrapup"
        await tab_to(page, "desk-wrapup-done")
        await page.keyboard.press("Enter")
        await expect(wrapup).to_be_hidden()
        await expect(page.locator("#desk-message")).to_contain_text("Après-appel enregistré")
        await expect(page.locator("#desk-state")).to_have_text("Disponible")
        await wait_member(running_service, "l1", f"PJSIP/{agent}", paused=False)
        engine = create_async_engine(test_settings.sqlalchemy_url)
        try:
            async with engine.connect() as conn:
                row = (await conn.execute(select(CallWrapup).where(CallWrapup.call_id == call_id,
                                                                   CallWrapup.agent == agent))).one()
        finally:
            await engine.dispose()
        assert (row.reason_kind, row.reason_code, row.outcome, row.sector) == ("list", reason_code, "transferred",
                                                                               "travail")
        assert row.done_at is not None and not row.expired
        assert (await asyncio.to_thread(citizen.wait, 30)).ok
    finally:
        for party in (citizen, level1, level2):
            if party is not None:
                party.stop()
        await ami_watch.client.queue_remove("l2-travail", f"PJSIP/{expert}")
        await expert_context.close()
        async with httpx.AsyncClient(base_url=running_service.base_url,
                                     headers=running_service.headers(Role.SUPERVISOR), timeout=10) as client:
            await client.post(f"/api/agents/{agent}/logout")


async def test_the_desk_reconnects_by_itself_and_reloads_what_changed_meanwhile(
        running_service, ami_watch, page: Page) -> None:
    """allo restarted under an open desk: « Reconnexion… » while it is away, then the stream comes back by itself
    and the page reloads its state, including a change made while nobody could push it."""
    agent = "agent2003"  # serves l2-fiscalite and l2-consommation
    await open_desk(page, running_service, await desk_account(running_service, agent))
    await expect(page.locator("#desk-state")).to_have_text("Déconnecté")
    try:
        await asyncio.to_thread(running_service.stop)
        try:
            await expect(page.locator("#desk-reconnecting")).to_be_visible()
            await expect(page.locator("#desk-reconnecting")).to_have_text(re.compile("^Reconnexion…"))
            await expect(page.locator("#desk-live")).to_have_text("connexion perdue")
            await shot(page, "desk-reconnecting")
            await ami_watch.client.queue_add("l2-fiscalite", f"PJSIP/{agent}", agent)  # while allo is away
        finally:
            await asyncio.to_thread(running_service.start)
        await expect(page.locator("#desk-reconnecting")).to_be_hidden(timeout=30_000)
        await expect(page.locator("#desk-live")).to_have_text("en direct")
        await expect(page.locator("#desk-state")).to_have_text("Disponible")
        await expect(page.locator("#desk-queues")).to_have_text("l2-fiscalite")
    finally:
        await ami_watch.client.queue_remove("l2-fiscalite", f"PJSIP/{agent}")


async def test_an_account_without_a_phone_is_told_why(running_service, page: Page) -> None:
    await login(page, running_service, Role.AGENT, "/desk")  # the demo « conseiller » has no extension
    await expect(page.locator("#desk-no-extension")).to_contain_text("n'est relié à aucun poste téléphonique")
    assert await page.locator("#desk").count() == 0
    await page.goto(f"{running_service.base_url}/")
    await expect(page.locator("#home-desk")).to_have_attribute("href", "/desk")
    await expect(page.locator("main")).to_contain_text("Votre compte n'est relié à aucun poste téléphonique")


async def test_a_closed_sector_is_disabled_with_its_reason(running_service, page: Page) -> None:
    day = running_service.fixed_now[:10]  # the service's routing clock
    await open_desk(page, running_service, await desk_account(running_service, "agent1002"))
    await expect(page.locator("#desk-sector-travail-state")).to_contain_text("ouvert")
    async with specialists_closed(running_service, day):
        button = page.locator("#desk-sector-travail")
        await expect(page.locator("#desk-sector-travail-state")).to_have_text("fermé", timeout=10_000)  # 5 s refresh
        await expect(button).to_be_disabled()
        await expect(page.locator("#desk-sector-travail-why")).to_have_text(
            "Ce pôle est fermé à cette heure ; l'appelant reste avec vous.")
        assert "desk-sector-travail-why" in (await button.get_attribute("aria-describedby") or "").split()
        await button.focus()  # aria-disabled: still reachable with the keyboard, its reason read out
        await page.keyboard.press("Enter")
        await expect(page.locator("#desk-sectors-status")).to_contain_text("Ce pôle est fermé à cette heure")
        await shot(page, "desk-sector-closed")
