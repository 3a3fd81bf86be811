"""« Signaler une difficulté » in chromium, with the keyboard: an adviser flags a sheet from its page (a French
error first, then the confirmation said in the live region); ops find the flag on /ops/flags under the sheet's
title with its count, author and text, and mark it seen. Screenshots: tests/artifacts/flags-*.png."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.desk_models import ProcedureFlag
from tests.browser_kit import login, shot
from tests.e2e.knowledge_kit import focused

pytestmark = pytest.mark.e2e

SHEET = "F90112"  # a sheet of the demo knowledge base the test stack is seeded with


async def _forget(settings, tag: str) -> None:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(ProcedureFlag).where(ProcedureFlag.text.contains(tag)))
    finally:
        await engine.dispose()


@pytest.fixture
async def tag(test_settings) -> AsyncIterator[str]:
    value = uuid.uuid4().hex[:8]
    yield value
    await _forget(test_settings, value)


async def test_a_flag_raised_on_a_sheet_reaches_ops_and_is_marked_seen(running_service, browser: Browser,
                                                                       page: Page, tag: str):
    adviser = await login(page, running_service, Role.AGENT, f"/connaissances/fiches/{SHEET}")
    title = (await page.locator("#kb-title").inner_text()).strip()

    # The disclosure opens from the keyboard; the label names the field.
    summary = page.locator("#kb-flag summary")
    await summary.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#kb-flag")).to_have_attribute("open", "")
    field = page.get_by_label("Difficulté rencontrée")
    await field.focus()
    await page.keyboard.type("ab")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    status = page.locator("#kb-flag-status")
    await expect(status).to_have_text("Décrivez la difficulté en 3 à 1000 caractères.")
    assert await focused(page) == "kb-flag-text"
    await expect(field).to_have_attribute("aria-invalid", "true")

    text = f"Le téléservice indiqué est fermé depuis lundi ({tag})"
    await field.fill(text)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(status).to_have_text("Signalement envoyé, merci : l'équipe d'exploitation le verra.")
    await expect(status).to_have_attribute("aria-live", "polite")
    await expect(field).to_have_value("")
    await shot(page, "flags-sheet-form")

    # Ops see it under the sheet's title, with the count, the author and the text.
    context = await browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    ops = await context.new_page()
    try:
        await login(ops, running_service, Role.OPS, "/ops/flags")
        await expect(ops.locator("nav.ops-nav a[aria-current=page]")).to_have_text("Signalements")
        group = ops.locator(f"section.flag-group[data-sheet='{SHEET}']")
        await expect(group.locator("h2")).to_contain_text(title)
        await expect(group.locator(".flag-count")).to_contain_text("signalement")
        flag = group.locator("li.flag", has_text=tag)
        await expect(flag).to_have_attribute("data-status", "new")
        await expect(flag).to_contain_text(adviser)
        await expect(flag.locator(".flag-text")).to_have_text(text)
        flag_id = await flag.get_attribute("data-id")
        await shot(ops, "flags-ops-list")

        button = flag.get_by_role("button", name=f"Marquer vu : signalement {flag_id}")
        await button.focus()
        async with ops.expect_navigation():
            await ops.keyboard.press("Enter")
        changed = ops.locator(f"#flag-{flag_id}")
        await expect(changed).to_have_attribute("data-status", "seen")
        await expect(changed.locator(".flag-status")).to_have_text("vu")
        await expect(ops.locator("#notice")).to_have_text(f"Signalement {flag_id} : statut changé.")

        # Filtered on « nouveau », it is gone; on « vu », it is there.
        await ops.goto(f"{running_service.base_url}/ops/flags?status=new")
        await expect(ops.locator(f"#flag-{flag_id}")).to_have_count(0)
        await ops.goto(f"{running_service.base_url}/ops/flags?status=seen")
        await expect(ops.locator(f"#flag-{flag_id}")).to_have_count(1)
    finally:
        await context.close()
