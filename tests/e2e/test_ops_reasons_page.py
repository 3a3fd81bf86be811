"""The reasons ops maintain, in Chromium with the keyboard only (`/ops/reasons`), and the wrap-up section of
`/reports`. Screenshots in tests/artifacts/reasons-*.png."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from playwright.async_api import expect

from allo.auth.roles import Role
from allo.reports.params import default_range
from routing.calendar_types import PARIS
from tests.browser_kit import login, shot

pytestmark = pytest.mark.e2e


async def test_ops_add_a_refused_then_a_good_reason_and_relabel_it_with_the_keyboard(running_service, page):
    await login(page, running_service, Role.OPS, "/ops/reasons")
    await expect(page.locator("nav.ops-nav a[aria-current=page]")).to_have_text("Motifs")
    form = page.locator("#add-wrapup")
    # A code already taken: the server refuses it in French, keeps what was typed, and changes nothing.
    await form.get_by_label("Code").focus()
    await page.keyboard.type("autre")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Encore autre chose")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("#errors[role=alert]")).to_contain_text("Le code « autre » existe déjà")
    assert await page.locator("#add-wrapup").get_by_label("Libellé").input_value() == "Encore autre chose"
    await shot(page, "reasons-01-refused")
    # A new one, then relabelled from its row (Enter in the field submits the row's form).
    await page.locator("#add-wrapup").get_by_label("Code").fill("")
    await page.locator("#add-wrapup").get_by_label("Code").focus()
    await page.keyboard.type("papiers-identite")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Papiers d'identité")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("#notice[role=status]")).to_have_text("Motif ajouté.")
    row = page.locator("#reason-wrapup-papiers-identite")
    await row.get_by_label("Libellé de papiers-identite").focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Carte d'identité, passeport")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await expect(page.locator("#notice")).to_have_text("Motif modifié.")
    await shot(page, "reasons-02-added")
    async with httpx.AsyncClient(base_url=running_service.base_url, headers=running_service.headers(Role.AGENT),
                                 timeout=10) as client:
        offered = (await client.get("/api/desk/reasons")).json()["wrapup"]
    assert {"code": "papiers-identite", "label": "Carte d'identité, passeport"} in offered
    # The phone's pause reason cannot be disabled: its box is not even offered.
    await expect(page.locator("#reason-pause-telephone input[type=checkbox]")).to_be_disabled()


async def test_the_reports_page_has_the_wrapup_section_with_its_chart(running_service, page):
    await login(page, running_service, Role.SUPERVISOR, "/reports")
    section = page.locator("#report-wrapups")
    await expect(section.locator("h2")).to_contain_text("Fins d'appel par motif et par issue")
    await expect(section.locator("svg#wrapup-chart")).to_be_visible()
    first, last = default_range(datetime.now(PARIS).date())  # the page's default: the last 7 days
    await expect(section.locator("#wrapups-csv")).to_have_attribute(
        "href", f"/api/reports/wrapups?from={first}&to={last}&format=csv")
