"""Browser tests with Playwright driving Debian's chromium (test tools cannot download browsers here).

Fixtures: `browser` (one headless chromium per test), `page` (a fresh context and page). Helpers: `shot` saves a
screenshot under tests/artifacts/, `login` signs in through the /login page with the demo account of a role.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import pytest
from playwright.async_api import Browser, Page, async_playwright

from allo.auth.roles import Role

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                        viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot `tests/artifacts/<name>.png` (kept by CI as a test artefact)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


class HasAccounts(Protocol):
    """tests.conftest.ServiceProcess: where the service listens and the demo accounts' credentials."""

    @property
    def base_url(self) -> str: ...

    def credentials(self, role: Role) -> tuple[str, str]: ...


async def login(page: Page, service: HasAccounts, role: Role, next_path: str = "", *,
                credentials: tuple[str, str] | None = None) -> str:
    """Sign in through the /login form with the demo account of `role` (or `credentials`: username, password);
    then open `next_path` if given. Returns the username."""
    username, password = credentials or service.credentials(role)
    await page.goto(f"{service.base_url}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation():
        await page.click("form:has(input[name=password]) [type=submit]")
    if "/login" in page.url:
        raise AssertionError(f"login as {username} refused: {await page.inner_text('body')}")
    if next_path:
        await page.goto(f"{service.base_url}{next_path}")
    return username
