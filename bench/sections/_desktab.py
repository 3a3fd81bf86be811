"""One real desk page in Chromium (Playwright, Debian's /usr/bin/chromium, headless, no sandbox) for the desk
section: signs in through /login as one adviser, opens /desk, and reads `window.allo_desk_timings` (the page's own
measure of each pop: SSE receipt → DOM drawn, and allo's event → DOM drawn, in ms) after the load.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, Page, Playwright, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def dom_ms(timings: Any, key: str = "receipt_to_dom_ms") -> list[float]:
    """One duration (ms) per pop the page drew, from what it exposes (allo/web/static/desk_kit.js):
    `{"last": {...}, "pops": [{"kind", "call_id", "receipt_to_dom_ms", "event_to_dom_ms", "at"}, ...]}`;
    `receipt_to_dom_ms` is the SSE message's receipt → the DOM drawn (performance.now()), `event_to_dom_ms` allo's
    AMI event (`event_wall`) → the DOM drawn (Date.now(), same machine clock)."""
    pops = timings.get("pops") if isinstance(timings, dict) else None
    return [float(p[key]) for p in pops or [] if isinstance(p, dict) and isinstance(p.get(key), int | float)
            and not isinstance(p.get(key), bool)]


class DeskTab:
    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self.page: Page | None = None

    async def open(self, base_url: str, username: str, password: str) -> None:
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await self._browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(20_000)
        page = self.page = await context.new_page()
        await page.goto(f"{base_url}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", password)
        async with page.expect_navigation():
            await page.click("form:has(input[name=password]) [type=submit]")
        if "/login" in page.url:
            raise RuntimeError(f"the desk tab could not sign in as {username}")
        await page.goto(f"{base_url}/desk")
        await page.wait_for_function("() => window.allo_desk_timings && Array.isArray(window.allo_desk_timings.pops)")

    async def timings(self) -> Any:
        assert self.page is not None
        return await self.page.evaluate("() => window.allo_desk_timings")

    async def close(self) -> None:
        """Idempotent: the section closes the tab after the push phase and again on its way out."""
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = self.page = None
        if browser is not None:
            await browser.close()
        if playwright is not None:
            await playwright.stop()
