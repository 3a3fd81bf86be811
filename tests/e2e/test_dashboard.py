"""The supervisor dashboard in chromium with real calls: a SIPp caller waiting in level 1 appears on the page
within a second of Asterisk's QueueCallerJoin and leaves when an adviser answers; pause and log-out from the
supervisor API reach Asterisk. Screenshots in tests/artifacts/dashboard-*.png."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest
from playwright.async_api import Page, expect

from acd.ami.events import AgentConnect, QueueCallerJoin, QueueMemberPause, QueueMemberRemoved
from allo.auth.roles import Role
from allo.setup import sipp
from tests.browser_kit import login, shot
from tests.e2e.agent_kit import register_phone

pytestmark = pytest.mark.e2e

# Records, in the page's clock, when each waiting caller's row first appears and when it goes.
WATCH_ROWS = """() => {
  window.__seen = {}; window.__gone = {};
  const body = document.querySelector('#dash-callers tbody');
  new MutationObserver(() => {
    const now = Date.now();
    const present = new Set([...body.querySelectorAll('tr.waiting-caller')].map((row) => row.dataset.uniqueid));
    for (const id of present) if (!(id in window.__seen)) window.__seen[id] = now;
    for (const id of Object.keys(window.__seen)) {
      if (!present.has(id) && !(id in window.__gone)) window.__gone[id] = now;
    }
  }).observe(body, {childList: true, subtree: true});
}"""


async def page_time(page: Page, table: str, uniqueid: str, timeout: float = 5.0) -> float:
    """Wall time (s) at which the page recorded `uniqueid` in window.__seen / window.__gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        millis = await page.evaluate(f"() => window.{table}[{uniqueid!r}]")
        if millis is not None:
            return float(millis) / 1000
        await asyncio.sleep(0.02)
    raise AssertionError(f"{uniqueid} never in {table} on the page")


async def test_a_waiting_caller_shows_within_a_second_and_leaves_when_answered(
        test_settings, running_service, ami_watch, demo_passwords, page: Page) -> None:
    received: dict[tuple[str, str], float] = {}  # (event, uniqueid) -> when our AMI client got it (wall clock)

    def note(event: object) -> None:
        if isinstance(event, QueueCallerJoin | AgentConnect):
            received.setdefault((type(event).__name__, event.uniqueid), time.time())

    ami_watch.client.add_listener(note)
    username = "agent1001"
    port = await register_phone(test_settings, username, demo_passwords[username])

    await login(page, running_service, Role.SUPERVISOR, "/dashboard")
    await expect(page.locator("#dash-live")).to_have_text("en direct")
    # Calls cut by a node loss today: a number once the day figures are read, 0 shown too (docs/scaling.md); a
    # single node lists no nodes.
    await expect(page.locator("#dash-node-lost-count")).to_have_text(re.compile(r"^[0-9]+$"), timeout=10000)
    await expect(page.locator("#dash-nodes li")).to_have_count(0)
    l1_row = page.locator("#dash-queues tr[data-queue=l1]")
    await expect(l1_row.locator("td").nth(3)).to_have_text("0")  # nobody logged in to level 1: no agent free
    await page.evaluate(WATCH_ROWS)

    citizen = sipp.citizen(test_settings.sip_port, caller="0655400001", keys="1").start()
    answering: sipp.Sipp | None = None
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
        shown = await page_time(page, "__seen", joined.uniqueid)
        delay = shown - received[("QueueCallerJoin", joined.uniqueid)]
        assert delay < 1.0, f"shown {delay:.3f} s after QueueCallerJoin"
        row = page.locator(f"tr.waiting-caller[data-uniqueid='{joined.uniqueid}']")
        await expect(row.locator("td").nth(1)).to_have_text("1")  # first in line
        await expect(l1_row.locator("td").nth(1)).to_have_text("1")
        await shot(page, "dashboard-caller-waiting")

        answering = sipp.agent(test_settings.sip_port, port, talk_ms=4000).start()
        await ami_watch.client.queue_add("l1", f"PJSIP/{username}", username)
        connected = await ami_watch.wait_for(AgentConnect, lambda e: e.uniqueid == joined.uniqueid, timeout=20)
        gone = await page_time(page, "__gone", joined.uniqueid)
        delay = gone - received[("AgentConnect", connected.uniqueid)]
        assert delay < 1.0, f"still shown {delay:.3f} s after AgentConnect"
        agent_row = page.locator(f"#dash-agents tr[data-agent={username}]")
        await expect(agent_row).to_have_attribute("data-state", "on_call")
        await expect(agent_row.locator("button[data-action=spy-listen]")).to_be_enabled()
        await shot(page, "dashboard-caller-answered")
        assert (await asyncio.to_thread(citizen.wait, 30)).ok
        assert (await asyncio.to_thread(answering.wait, 20)).ok
    finally:
        citizen.stop()
        if answering is not None:
            answering.stop()
        await ami_watch.client.queue_remove("l1", f"PJSIP/{username}")
    print(f"dashboard latency: join -> row {shown - received[('QueueCallerJoin', joined.uniqueid)]:.3f} s, "
          f"connect -> row gone {delay:.3f} s")


async def test_pause_and_logout_from_the_dashboard_api_reach_asterisk(test_settings, running_service,
                                                                      ami_watch) -> None:
    username = "agent2002"  # serves l2-interieur and l2-justice
    supervisor = running_service.headers(Role.SUPERVISOR)
    async with httpx.AsyncClient(base_url=running_service.base_url, headers=supervisor, timeout=10) as client:
        assert (await client.post(f"/api/agents/{username}/login")).status_code == 200
        paused = await client.post(f"/api/supervisor/agents/{username}/pause", json={"reason": "reunion"})
        assert paused.status_code == 200, paused.text
        event = await ami_watch.wait_for(QueueMemberPause, lambda e: e.member_name == username and e.paused)
        assert event.reason == "reunion"
        resumed = await client.post(f"/api/supervisor/agents/{username}/resume")
        assert resumed.status_code == 200, resumed.text
        await ami_watch.wait_for(QueueMemberPause, lambda e: e.member_name == username and not e.paused)
        out = await client.post(f"/api/supervisor/agents/{username}/logout")
        assert out.status_code == 200, out.text
        removed = {(await ami_watch.wait_for(QueueMemberRemoved, lambda e, q=queue: e.member_name == username
                                             and e.queue == q)).queue for queue in ("l2-interieur", "l2-justice")}
        assert removed == {"l2-interieur", "l2-justice"}
        again = await client.post(f"/api/supervisor/agents/{username}/logout")
        assert again.status_code == 409
