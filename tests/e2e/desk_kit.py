"""The adviser's desk in chromium: a web account bound to an adviser's phone (the demo « conseiller » has none),
the desk opened and live, and when the page saw a change (its own clock)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.models import Queue
from allo.settings import Settings
from tests.adviser_kit import PASSWORD, adviser_headers, adviser_name
from tests.browser_kit import login


async def desk_account(service, extension: str) -> tuple[str, str]:
    """The agent account `desk-<extension>` bound to that phone: (username, password). The same account as
    tests.adviser_kit's (created once per session with its fixed password, never reset: the API tests of the same
    session sign in with it). `service`: allo.setup.service_process.ServiceProcess."""
    await asyncio.to_thread(adviser_headers, service, extension)
    return adviser_name(extension), PASSWORD


async def open_desk(page: Page, service, credentials: tuple[str, str]) -> None:
    await login(page, service, Role.AGENT, "/desk", credentials=credentials)
    await expect(page.locator("#desk-live")).to_have_text("en direct")
    await expect(page.locator("#desk-reconnecting")).to_be_hidden()


async def tab_to(page: Page, element_id: str, limit: int = 80) -> None:
    """Press Tab until `element_id` has the focus (the keyboard only, as an adviser without a mouse)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} never reached with Tab")


WATCH_STATE = """() => {
  window.__states = [];
  const label = document.querySelector('#desk-state');
  new MutationObserver(() => window.__states.push([label.dataset.state, label.textContent, Date.now()]))
    .observe(label, {attributes: true, childList: true, characterData: true, subtree: true});
}"""


async def state_shown_at(page: Page, key: str, timeout: float = 5.0) -> float:
    """Wall time (s) at which the page first showed the state `key` (after WATCH_STATE was installed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = await page.evaluate("(key) => (window.__states.find((s) => s[0] === key) || [])[2]", key)
        if seen is not None:
            return float(seen) / 1000
        await asyncio.sleep(0.02)
    raise AssertionError(f"the desk never showed {key}; saw {await page.evaluate('() => window.__states')}")


@asynccontextmanager
async def wrapup_time(settings: Settings, queue: str, seconds: int) -> AsyncIterator[None]:
    """The queue's wrap-up time changed in PostgreSQL (as ops would; the `queues` table NOTIFYs the service, which
    re-reads it at once), then restored. The demo's 5 s is shorter than a test's steps in a browser; the test
    checks the deadline it gets."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.begin() as conn:
            before = (await conn.execute(select(Queue.wrapup_time).where(Queue.name == queue))).scalar_one()
            await conn.execute(update(Queue).where(Queue.name == queue).values(wrapup_time=seconds))
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(update(Queue).where(Queue.name == queue).values(wrapup_time=before))
        await engine.dispose()
