"""The adviser's knowledge pages in chromium, with the keyboard: a sheet found as you type (accent-less), opened with
Enter, its case tabs switched with the arrow keys, an internal link followed, a missing one shown as text; the
escalation banner; « où s'adresser » resolved for a typed commune; the directory searched by type word and commune.
Data: the fixture sheets and directory (tests/fixtures/dila) imported with the real importers. Screenshots:
tests/artifacts/knowledge-*.png."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from allo.auth.roles import Role
from tests.browser_kit import login, shot
from tests.e2e.knowledge_kit import focused, import_fixtures, remove_fixtures

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def knowledge(test_settings, seeded) -> Iterator[None]:
    asyncio.run(import_fixtures(test_settings))
    yield
    asyncio.run(remove_fixtures(test_settings))


async def test_a_sheet_read_with_the_keyboard_tabs_links_and_glossary(running_service, knowledge, page: Page):
    await login(page, running_service, Role.AGENT, "/connaissances/fiches/F90011")
    await expect(page.locator("#kb-title")).to_have_text("Carte d'identité : faire une demande")
    await expect(page.locator("#kb-breadcrumb")).to_contain_text("Papiers, séjour et contrat de travail")

    # The case tabs: Tab reaches the selected tab, the arrow keys move and select, the panel follows.
    tabs = page.get_by_role("tab")
    await expect(tabs).to_have_text(["Personne majeure", "Personne mineure"])
    await tabs.first.focus()
    await page.keyboard.press("ArrowRight")
    await expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    assert await focused(page) == await tabs.nth(1).get_attribute("id")
    minor = page.locator(f"#{await tabs.nth(1).get_attribute('aria-controls')}")
    major = page.locator(f"#{await tabs.first.get_attribute('aria-controls')}")
    await expect(minor).to_be_visible()
    await expect(major).to_be_hidden()
    await shot(page, "knowledge-sheet-tabs")
    await page.keyboard.press("ArrowRight")  # wraps round to the first
    await expect(tabs.first).to_have_attribute("aria-selected", "true")
    await expect(major).to_be_visible()

    # An internal link opens the linked sheet; a link to a sheet not in the base is plain text with a note.
    await page.goto(f"{running_service.base_url}/connaissances/fiches/F90013")
    link = page.locator("a.kb-int[data-ref='F90014']")
    await link.focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("#kb-title")).to_have_text("Licenciement d'un salarié : les grandes étapes")
    missing = page.locator(".kb-missing[data-ref='F90099']")
    await expect(missing).to_contain_text("absente de la base")
    assert await page.locator("a[href='/connaissances/fiches/F90099']").count() == 0

    # A sigle (LienInterne to a resource) goes to the glossary.
    await page.goto(f"{running_service.base_url}/connaissances/fiches/F90013")
    await expect(page.locator("a.kb-def[href='#def-R90201']")).to_have_text("CDI")
    await expect(page.locator("#kb-glossary")).to_contain_text("Contrat de travail à durée indéterminée")


async def test_an_unknown_sheet_is_a_french_404(running_service, knowledge, page: Page):
    await login(page, running_service, Role.SUPERVISOR)
    response = await page.goto(f"{running_service.base_url}/connaissances/fiches/F12345678")
    assert response is not None and response.status == 404
    await expect(page.locator("#kb-missing-text")).to_contain_text("n'est pas dans la base de connaissances")
