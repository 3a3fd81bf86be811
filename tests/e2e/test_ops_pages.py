"""Ops in chromium: an exceptional closure for today, previewed, published, heard by a real SIPp call; then rolled
back from the versions page and the next call is routed again. Screenshots in tests/artifacts/ops-*.png."""

from __future__ import annotations

import asyncio
import math
import struct
import time
import wave

import httpx
import pytest
from playwright.async_api import Page, expect

from allo.auth.roles import Role
from allo.db.models import CallOutcome
from allo.setup import sipp
from tests.browser_kit import login, shot
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.queue_kit import queued_then_hung_up

pytestmark = pytest.mark.e2e

TODAY = "2026-11-23"  # ServiceProcess.DEFAULT_NOW, a Monday, open
PROMPT = "allo/fermeture-exceptionnelle-ops"
PROMPT_TEXT = "En raison d'un mouvement social, Allô Service Public est exceptionnellement fermé aujourd'hui."


def accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


async def live_rules_version(service) -> int:
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{service.base_url}/api/rules/version", headers=service.headers(Role.OPS))
    return int(reply.json()["version"])


async def wait_rules_change(service, before: int, timeout: float = 5.0) -> None:
    """The FastAGI process installs a published version within a second (LISTEN/NOTIFY)."""
    deadline = time.monotonic() + timeout
    while await live_rules_version(service) == before:
        assert time.monotonic() < deadline, "the published rules were not picked up"
        await asyncio.sleep(0.05)


def restore(service, version: int) -> None:
    """Put back the rules the test started from, whatever happened (later tests expect the seeded rules)."""
    with httpx.Client(base_url=service.base_url, headers=service.headers(Role.OPS), timeout=20) as client:
        client.post("/ops/rules/discard")
        versions = client.get("/ops/rules/versions").text
        newest = versions.split('data-version="', 1)[1].split('"', 1)[0]
        same = client.get("/ops/rules/versions/diff", params={"a": version, "b": newest}).text
        if "Aucune différence." not in same:
            reply = client.post(f"/ops/rules/versions/{version}/rollback", data={"comment": "test cleanup"})
            assert reply.status_code == 303, reply.text[:2000]


async def test_closure_preview_publish_call_then_rollback(test_settings, running_service, ami_watch, page):
    accept_dialogs(page)
    base = running_service.base_url
    await login(page, running_service, Role.OPS, "/ops/rules/versions")
    start = int(await page.get_attribute("#versions tbody tr:first-child", "data-version") or 0)
    assert start > 0
    try:
        await page.goto(f"{base}/ops/rules")
        async with page.expect_navigation():
            await page.click("form.discard button")
        await expect(page.locator("#draft-changes")).to_have_text("Aucune différence.")
        await shot(page, "ops-01-draft")

        # An invalid edit: overlapping periods on Monday. Refused with a readable message, nothing changed.
        await page.goto(f"{base}/ops/rules/calendars")
        monday = page.locator("#weekly-general-0")
        before = await monday.input_value()
        await monday.fill("08:00-12:00, 11:00-13:00")
        async with page.expect_navigation():
            await page.click("form:has(#weekly-general-0) button[type=submit]")
        await expect(page.locator("#errors")).to_contain_text(
            "Calendrier general, lundi : les plages 08:00-12:00 et 11:00-13:00 se chevauchent")
        await expect(page.locator("#errors")).to_have_class("error")
        await shot(page, "ops-02-overlap-refused")
        await page.goto(f"{base}/ops/rules/calendars")
        assert await page.locator("#weekly-general-0").input_value() == before
        await page.goto(f"{base}/ops/rules")
        await expect(page.locator("#draft-changes")).to_have_text("Aucune différence.")

        # The closure's message, then the closure for today with it.
        await page.goto(f"{base}/ops/rules/prompts")
        await page.fill("#new-prompt input[name=name]", PROMPT)
        await page.fill("#new-prompt input[name=text]", PROMPT_TEXT)
        async with page.expect_navigation():
            await page.click("#new-prompt button[type=submit]")
        await expect(page.locator("#notice")).to_contain_text("Modification enregistrée")
        await page.goto(f"{base}/ops/rules/calendars")
        form = page.locator("#add-exception-general")
        await form.locator("select[name=kind]").select_option("closure")
        await form.locator("input[name=starts_on]").fill(TODAY)
        await form.locator("input[name=ends_on]").fill(TODAY)
        await form.locator("select[name=message_prompt]").select_option(PROMPT)
        await form.locator("input[name=message_text]").fill("mouvement social")
        async with page.expect_navigation():
            await form.locator("button[type=submit]").click()
        await expect(page.locator("#notice")).to_contain_text("Modification enregistrée")
        await expect(page.locator("#exceptions-general")).to_contain_text("23/11/2026")
        await shot(page, "ops-03-closure-in-draft")

        # The simulator: with the draft the call is closed, with the live rules it is queued.
        await page.goto(f"{base}/ops/rules")
        await page.fill("#simulator input[name=at]", f"{TODAY}T10:00")
        await page.fill("#simulator input[name=keys]", "1")
        async with page.expect_navigation():
            await page.click("#simulator button[type=submit]")
        await expect(page.locator("td.sim-draft.sim-outcome")).to_contain_text("closed")
        await expect(page.locator("td.sim-live.sim-outcome")).to_contain_text("queued")
        await expect(page.locator("#simulation")).to_contain_text(PROMPT)
        await shot(page, "ops-04-simulator")

        # Publish; the next real call hears the closed message with the closure's prompt.
        rules_before = await live_rules_version(running_service)
        await page.fill("#publish input[name=comment]", "fermeture exceptionnelle (test e2e)")
        async with page.expect_navigation():
            await page.click("#publish form[action='/ops/rules/publish'] button")
        await expect(page.locator("#notice")).to_contain_text("publiée")
        await shot(page, "ops-05-published")
        await wait_rules_change(running_service, rules_before)
        since = time.time()
        closed = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller="0655000901", keys="1").run)
        assert closed.ok, closed.log  # Asterisk hung up on the citizen
        row = await wait_call_row(test_settings, since=since - 1, until={CallOutcome.CLOSED})
        assert "allo/service-ferme" in (row.menu_trace or "") and PROMPT in (row.menu_trace or "")
        assert any("exceptional_closure" in line for line in row.trace or [])
        assert row.route_queue is None

        # Roll back from the versions page; the next call is queued to level 1 again.
        await page.goto(f"{base}/ops/rules/versions")
        await expect(page.locator("#versions")).to_contain_text("fermeture exceptionnelle (test e2e)")
        await page.goto(f"{base}/ops/rules/versions/diff?a={start}&b="
                        + (await page.get_attribute("#versions tbody tr:first-child", "data-version") or ""))
        await expect(page.locator("#diff-changes")).to_contain_text("calendars.general.exceptions")
        await shot(page, "ops-06-diff")
        rules_before = await live_rules_version(running_service)
        row_of_start = page.locator(f"#version-{start}")
        await row_of_start.locator("input[name=comment]").fill("fin de la fermeture (test e2e)")
        async with page.expect_navigation():
            await row_of_start.locator("button[type=submit]").click()
        await expect(page.locator("#notice")).to_contain_text(f"rétablit la version {start}")
        await shot(page, "ops-07-rolled-back")
        await wait_rules_change(running_service, rules_before)
        joined = await queued_then_hung_up(test_settings, ami_watch, caller="0655000902")
        row = await wait_call_row(test_settings, joined.uniqueid, until={CallOutcome.QUEUED, CallOutcome.ABANDONED})
        assert row.route_queue == "l1"
    finally:
        restore(running_service, start)


def tone_wav(path, seconds: float = 1.0, rate: int = 16000) -> None:
    """A 440 Hz tone, as a phone or a studio would record it (any rate: the backend converts to 8 kHz)."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                      for n in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


async def test_upload_a_recorded_prompt_into_the_draft(running_service, page, tmp_path):
    base = running_service.base_url
    accept_dialogs(page)
    await login(page, running_service, Role.OPS, "/ops/rules")
    async with page.expect_navigation():
        await page.click("form.discard button")
    try:
        await page.goto(f"{base}/ops/rules/prompts")
        row = page.locator("tr[data-prompt='allo/au-revoir']")
        await expect(row).to_contain_text("synthèse vocale")
        not_audio = tmp_path / "notes.wav"
        not_audio.write_text("ceci n'est pas un son")
        await row.locator("input[type=file]").set_input_files(str(not_audio))
        await row.locator("form.upload button").click()
        await expect(row.locator(".upload-result.error")).to_contain_text(
            "Enregistrement refusé pour le message allo/au-revoir : ce n'est pas un fichier audio")
        recording = tmp_path / "au-revoir.wav"
        tone_wav(recording)
        await row.locator("input[type=file]").set_input_files(str(recording))
        async with page.expect_navigation():  # the page reloads once the recording is in the draft
            await row.locator("form.upload button").click()
        await expect(row.locator(".recording")).to_contain_text("enregistrement n°")
        await page.fill("#prompt-filter", "au-revoir")
        await expect(page.locator("tr[data-prompt='allo/bienvenue']")).to_be_hidden()
        await shot(page, "ops-08-recording-uploaded")
        await page.goto(f"{base}/ops/rules")
        await expect(page.locator("#draft-changes")).to_contain_text("recordings.allo/au-revoir")
    finally:
        await page.goto(f"{base}/ops/rules")
        async with page.expect_navigation():
            await page.click("form.discard button")
