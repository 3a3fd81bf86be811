"""The public callback page in chromium, with the keyboard only: a refused number said in French, a booking
confirmed with its due time in Paris, the same number refused while it is pending, then the scheduler dials the
citizen through a real adviser. Screenshots: tests/artifacts/callback-page-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from allo.db.callback_models import CallbackStatus
from allo.setup import sipp
from tests.browser_kit import shot
from tests.e2e.callback_kit import CitizenPhones, agents_in_l1, wait_status

pytestmark = pytest.mark.e2e


@pytest.fixture
def phones(test_settings, tmp_path) -> Iterator[CitizenPhones]:
    phones = CitizenPhones(test_settings.sip_port, sipp.free_port(), tmp_path / "citizen-phones.log").start()
    yield phones
    phones.stop()


@pytest.fixture
def page_service(allo_service, phones):
    """`allo serve` calling back on the SIPp phones (a fresh process: its own anonymous booking limit)."""
    allo_service.stop()
    allo_service.env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{phones.sipp.port}",
                        "ALLO_CALLBACK_POLL_INTERVAL": "0.3"}
    allo_service.fixed_now = allo_service.DEFAULT_NOW
    allo_service.start()
    return allo_service


async def _tab_to(page: Page, element_id: str) -> None:
    for _ in range(10):
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} not reached with Tab")


async def _fill_and_send(page: Page, number: str) -> None:
    """Number typed, consent ticked with Space, sent with Enter on the button: keyboard only."""
    await _tab_to(page, "callback-phone")
    await page.keyboard.press("Control+A")
    await page.keyboard.type(number)
    await page.keyboard.press("Tab")  # the sector: « Question générale » stays chosen
    assert await page.evaluate("document.activeElement.id") == "callback-sector"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "callback-consent"
    if not await page.locator("#callback-consent").is_checked():
        await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")


async def test_a_citizen_books_a_callback_with_the_keyboard_and_is_called_back(
        test_settings, page_service, ami_watch, demo_passwords, phones, page: Page):
    number = "0655400001"
    async with agents_in_l1(test_settings, demo_passwords, ami_watch.client, ["agent1002"], log_in=False):
        await page.goto(f"{page_service.base_url}/rappel")
        await expect(page.locator("#callback-promise")).to_contain_text(
            "Nous vous rappelons dans les 45 minutes pendant les heures d'ouverture")
        await expect(page.get_by_label("Votre numéro de téléphone")).to_be_visible()

        # A premium-rate number is refused in the browser, in French, and the focus goes back to it.
        await _fill_and_send(page, "08 92 12 34 56")
        await expect(page.get_by_role("alert")).to_have_text(
            "Les numéros surtaxés ou à coût partagé (08…) ne peuvent pas être rappelés.")
        await expect(page.locator("#callback-phone")).to_have_attribute("aria-invalid", "true")
        assert await page.evaluate("document.activeElement.id") == "callback-phone"
        await shot(page, "callback-page-refused")

        await _fill_and_send(page, "06 55 40 00 01")
        done = page.locator("#callback-done")
        await expect(done).to_be_visible()
        await expect(page.locator("#callback-done-text")).to_contain_text("(heure de Paris)")
        assert await page.evaluate("document.activeElement.id") == "callback-done-title"
        public_id = await done.get_attribute("data-callback-id")
        assert public_id
        await shot(page, "callback-page-booked")

        # The same number again while it is pending: the API's 409 said in French, the number kept in the field.
        await page.reload()
        await _fill_and_send(page, "06.55.40.00.01")
        await expect(page.get_by_role("alert")).to_have_text(
            "Un rappel vers ce numéro est déjà prévu : inutile de le demander à nouveau.")
        await expect(page.locator("#callback-phone")).to_have_value("06.55.40.00.01")

        # An adviser logs in: the scheduler reserves them and dials the citizen.
        await ami_watch.client.queue_add("l1", "PJSIP/agent1002", "agent1002")
        await phones.wait_invites(number, 1, timeout=20)
        row, attempts = await wait_status(test_settings, public_id, CallbackStatus.DONE, timeout=30)
        assert row.origin == "web" and row.queue == "l1" and row.first_ringing_at is not None
        assert [a.agent for a in attempts] == ["agent1002"]
        assert len(phones.invites()[number]) == 1
