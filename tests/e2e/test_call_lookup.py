"""Acceptance of the call lookup: a real SIPp call through the menu (key 1, level 1), then a supervisor in chromium
goes from the dashboard to /appels, types the call id and reads its journey, decision trace and queue leg."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from playwright.async_api import expect

from allo.auth.roles import Role
from allo.db.models import CallOutcome
from tests.browser_kit import login, shot
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.queue_kit import queued_then_hung_up

pytestmark = pytest.mark.e2e


async def wait_leg(service, call_id: str, timeout: float = 10.0) -> dict:
    """The call as the API shows it, once its level-1 leg has ended (AMI events are written in the background)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=service.base_url, headers=service.headers(Role.SUPERVISOR)) as client:
        while True:
            calls = (await client.get("/api/calls/lookup", params={"call_id": call_id})).json()["calls"]
            if calls and calls[0]["legs"] and calls[0]["legs"][0]["left_at"]:
                return calls[0]
            assert time.monotonic() < deadline, f"no ended leg for {call_id}: {calls}"
            await asyncio.sleep(0.1)


async def test_a_real_call_is_found_with_its_trace_and_queue_leg(test_settings, running_service, ami_watch, page):
    joined = await queued_then_hung_up(test_settings, ami_watch, caller="0655000931")
    call_id = joined.uniqueid
    await wait_call_row(test_settings, call_id, until={CallOutcome.ABANDONED})
    call = await wait_leg(running_service, call_id)
    assert call["keys"] == ["1"] and call["legs"][0]["queue"] == "l1"

    await login(page, running_service, Role.SUPERVISOR, "/dashboard")
    async with page.expect_navigation():
        await page.click("#dash-lookup")
    await page.fill("#lookup-call-id", call_id)
    async with page.expect_navigation():
        await page.press("#lookup-call-id", "Enter")
    await expect(page.locator("#call-detail")).to_have_attribute("data-call-id", call_id)
    trace = page.locator("#call-trace")
    await expect(trace).to_contain_text("Menu main : touche 1")
    await expect(trace).to_contain_text("→ file l1")
    await expect(page.locator("#call-keys")).to_have_text("1")
    leg = page.locator("#call-legs tr[data-queue='l1']")
    await expect(leg).to_contain_text("abandonné")
    await expect(page.locator("#call-journey")).to_contain_text("Entré dans la file l1")
    await expect(page.locator("#call-rules")).to_contain_text(f"Règles n° {call['rules_version']}")
    await shot(page, "calls-lookup-real-call")
