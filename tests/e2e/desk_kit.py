"""The adviser's desk in chromium: a web account bound to an adviser's phone (the demo « conseiller » has none),
the desk opened and live, when the page saw a change (its own clock), and the rules a test needs (a longer
wrap-up, the level-2 sectors closed)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from playwright.async_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.models import Queue
from allo.settings import Settings
from tests.adviser_kit import PASSWORD, adviser_headers, adviser_name
from tests.browser_kit import login


async def desk_account(service, extension: str) -> tuple[str, str]:
    """(username, password) of the agent account `desk-<extension>` bound to that phone: tests.adviser_kit's, which
    the desk's API tests use too (created on first use, kept for the session)."""
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


async def sectors_now(service) -> dict[str, dict]:
    """`GET /api/desk/sectors` as a supervisor sees it, by sector."""
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.SUPERVISOR),
                                 timeout=10) as client:
        return {s["sector"]: s for s in (await client.get("/api/desk/sectors")).json()}


async def _sectors_open(service, wanted: bool, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while {s["open"] for s in (await sectors_now(service)).values()} != {wanted}:
        assert time.monotonic() < deadline, f"the sectors never became open={wanted}: {await sectors_now(service)}"
        await asyncio.sleep(0.1)


@asynccontextmanager
async def specialists_closed(service, day: str) -> AsyncIterator[None]:
    """A closure of the level-2 (specialist) calendar on `day` published as ops would, in force once the desk's
    sector options say so; then the previous rules version restored."""
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.OPS), timeout=30) as ops:
        await ops.delete("/api/rules/draft")
        start = (await ops.get("/api/rules/current")).json()
        edit = await ops.post("/api/rules/draft/edits", json={
            "op": "add_exception", "calendar": "specialist", "kind": "closure", "starts_on": day, "ends_on": day,
            "message_text": "test: pôles fermés"})
        assert edit.status_code == 200, edit.text
        published = await ops.post("/api/rules/draft/publish", json={"comment": "test: pôles fermés"})
        assert published.status_code == 200, published.text
        try:
            await _sectors_open(service, False)
            yield
        finally:
            back = await ops.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert back.status_code == 200, back.text
            await _sectors_open(service, True)
