"""/connaissances in chromium on the demo data `allo setup` loads (allo/knowledge/demo, allo/directory/demo), with
the keyboard: an accent-less query finds its sheet first as you type, an older answer never overwrites a newer one,
Enter opens the sheet, its escalation banner; « où s'adresser » resolved for a typed commune (and the French reason
when there is no body); the directory searched by type word and commune. Screenshots: tests/artifacts/knowledge-*.png.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from playwright.async_api import Page, Route, expect

from allo.auth.roles import Role
from tests.browser_kit import login, shot
from tests.e2e.knowledge_kit import focused

pytestmark = pytest.mark.e2e


async def test_an_adviser_types_an_accentless_query_and_opens_the_sheet_with_the_keyboard(running_service,
                                                                                          page: Page):
    await login(page, running_service, Role.AGENT, "/")
    await page.locator("#home-knowledge").focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.get_by_label("Rechercher une fiche").focus()
    await page.keyboard.type("demission")
    first = page.locator("#kb-results li").first
    await expect(first).to_have_attribute("data-id", "F90211")
    await expect(first.locator(".badge-sector")).to_have_text("À transférer : Droit du travail")
    await expect(page.locator("#kb-status")).to_contain_text("pour « demission »")
    await shot(page, "knowledge-search")

    await page.keyboard.press("ArrowDown")
    assert await focused(page, "data-id") == "F90211"
    await page.keyboard.press("ArrowUp")  # back to the field
    assert await focused(page) == "kb-q"
    async with page.expect_navigation():
        await page.keyboard.press("Enter")  # Enter in the field opens the first sheet
    assert page.url.endswith("/connaissances/fiches/F90211")
    await expect(page.locator("#kb-banner-title")).to_have_text("À transférer : Droit du travail")
    await expect(page.locator("#kb-banner-instruction")).to_contain_text("Droit du travail")
    await shot(page, "knowledge-sheet-banner")


async def test_an_older_answer_never_overwrites_a_newer_one(running_service, page: Page):
    await login(page, running_service, Role.SUPERVISOR, "/connaissances")
    release, done = asyncio.Event(), asyncio.Event()

    async def hold_the_first(route: Route) -> None:
        if "q=pension" not in route.request.url:
            await route.continue_()
            return
        await release.wait()
        with contextlib.suppress(Exception):  # the page has aborted it: the very point
            await route.continue_()
        done.set()

    await page.route("**/api/knowledge/search?**", hold_the_first)
    field = page.get_by_label("Rechercher une fiche")
    await field.fill("pension alimentaire")
    await page.wait_for_function("document.querySelector('#kb-status').textContent.startsWith('Recherche')")
    await field.fill("permis de construire")
    first = page.locator("#kb-results li").first
    await expect(first).to_have_attribute("data-id", "F90621")
    release.set()
    await asyncio.wait_for(done.wait(), 10)
    await expect(first).to_have_attribute("data-id", "F90621")
    await expect(page.locator("#kb-results")).to_have_attribute("data-query", "permis de construire")


async def test_where_to_go_is_resolved_for_a_typed_commune(running_service, page: Page):
    await login(page, running_service, Role.AGENT, "/connaissances/fiches/F90111")
    mairie = page.locator(".kb-local[data-pivot='mairie']")
    await expect(mairie).to_contain_text("Saisissez la commune")
    await page.get_by_label("Commune de l'usager").focus()
    await page.keyboard.type("metz")
    await page.keyboard.press("Enter")
    await expect(mairie).to_contain_text("Mairie - Metz")
    await expect(mairie).to_contain_text("(trouvé pour la commune)")
    await expect(mairie).to_have_attribute("data-resolved-by", "commune")
    await expect(mairie.locator(".badge-open, .badge-closed")).to_have_count(1)  # open now, in Paris
    await expect(mairie.locator(".body-hours")).to_contain_text("du lundi au vendredi")
    await shot(page, "knowledge-where-metz")

    # A postal code of the invented commune; then a pivot with no body anywhere: the French reason.
    await page.get_by_label("Commune de l'usager").fill("12990")
    await page.keyboard.press("Enter")
    await expect(mairie).to_contain_text("Sainte-Aurélie-des-Causses")
    await page.goto(f"{running_service.base_url}/connaissances/fiches/F90631")
    await page.get_by_label("Commune de l'usager").fill("Metz")
    await page.keyboard.press("Enter")
    none = page.locator(".kb-local[data-pivot='commission_conciliation']")
    await expect(none).to_contain_text("lannuaire.service-public.fr")


async def test_a_body_escalation_names_the_callers_office(running_service, page: Page):
    await login(page, running_service, Role.OPS, "/connaissances/fiches/F90611")
    await expect(page.locator("#kb-banner-title")).to_have_text("Orienter vers : la Caf")
    await page.get_by_label("Commune de l'usager").fill("Lyon")
    await page.keyboard.press("Enter")
    await expect(page.locator("#kb-banner-body")).to_contain_text("Caf")
    await expect(page.locator("#kb-banner-body")).to_contain_text("Lyon")
    await expect(page.locator("#kb-banner-body .badge-open, #kb-banner-body .badge-closed")).to_have_count(1)
    await shot(page, "knowledge-banner-body")


async def test_the_directory_by_type_word_and_commune(running_service, page: Page):
    await login(page, running_service, Role.AGENT, "/connaissances")
    await page.get_by_label("Organisme ou type").fill("impots")
    await page.get_by_label("Commune").fill("34172")  # Montpellier's INSEE code
    await page.get_by_label("Commune").press("Enter")
    first = page.locator("#dir-results li").first
    await expect(first).to_contain_text("Service des impôts des particuliers (SIP) de Montpellier")
    await expect(first.locator(".badge-open, .badge-closed")).to_have_count(1)  # Ouvert / Fermé, now in Paris
    await expect(first.locator(".body-hours")).to_contain_text("du lundi au vendredi")
    await expect(first.locator(".body-address")).to_contain_text("34")
    await expect(page.locator("#dir-status")).to_contain_text("à Montpellier (34172)")
    await shot(page, "knowledge-directory")

    await page.get_by_label("Commune").fill("Xyzzyville")  # unknown: no body from anywhere, the API's French words
    await page.get_by_label("Commune").press("Enter")
    await expect(page.locator("#dir-status")).to_have_text(
        "Commune inconnue de l'annuaire : vérifiez le nom, le code postal ou le code INSEE.")
    await expect(page.locator("#dir-results li")).to_have_count(0)
