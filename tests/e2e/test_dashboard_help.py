"""« Demandes d'aide » on the supervisor's dashboard in chromium: an adviser asks from the desk API, the request
shows on the open page (adviser, time, a link to /appels for the call), « Pris en charge » with the keyboard
removes it and says so; the request is closed in PostgreSQL. Screenshot: tests/artifacts/dashboard-help.png."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from allo.auth.roles import Role
from tests.browser_kit import login, shot
from tests.integration.allo.api.desk_kit import adviser_headers

pytestmark = pytest.mark.e2e


async def test_a_help_request_shows_on_the_dashboard_and_is_taken_in_hand(running_service, page: Page):
    await login(page, running_service, Role.SUPERVISOR, "/dashboard")
    await expect(page.locator("#dash-live")).to_have_text("en direct")
    text = f"Besoin d'un avis sur une succession ({uuid.uuid4().hex[:6]})"
    asked = httpx.post(f"{running_service.base_url}/api/desk/help", json={"text": text}, timeout=10,
                       headers=adviser_headers(running_service, "agent1002"))
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]

    row = page.locator(f"#dash-help tr.help-request[data-id='{request_id}']")
    await expect(row).to_contain_text("agent1002", timeout=5_000)  # pushed right after the request, no reload
    await expect(row).to_contain_text(text)
    await shot(page, "dashboard-help")

    button = row.get_by_role("button", name="Pris en charge : demande de agent1002")
    await button.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#dash-message")).to_have_text("Demande d'aide de agent1002 prise en charge.")
    await expect(row).to_have_count(0)
    open_now = httpx.get(f"{running_service.base_url}/api/supervisor/help", timeout=10,
                         headers=running_service.headers(Role.SUPERVISOR)).json()
    assert all(r["id"] != request_id for r in open_now)
    # The next documents pushed do not bring it back.
    await page.wait_for_function("(before) => Number(document.body.dataset.generatedAt) > before + 1.5",
                                 arg=float(await page.evaluate("document.body.dataset.generatedAt")))
    await expect(row).to_have_count(0)
