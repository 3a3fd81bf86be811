"""The dashboard's « conseillers nécessaires maintenant » against the real service: the service's clock stands at
Monday 2026-11-23 10:00 (ServiceProcess.DEFAULT_NOW), planning_kit's eight Mondays before it have 60 calls of 240 s
at 10:00, so level 1 needs the Erlang C figure for 120 calls an hour now, against the advisers present (logged in,
not paused) in the live state. The plan is kept in memory and recomputed every ALLO_PLANNING_PLAN_REFRESH_SECONDS.
Artefact: tests/artifacts/dashboard-needed-now.png."""

from __future__ import annotations

import time

import httpx
import pytest

from acd.planning.erlang import agents_needed
from acd.planning.types import Targets
from allo.auth.roles import Role
from tests.browser_kit import login, shot
from tests.integration.allo.planning_kit import AHT, inserted

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


@pytest.fixture(scope="module")
def quick_plan(allo_service, history):
    """The service restarted with a plan recomputed every half second (running_service restores the default)."""
    allo_service.stop()
    allo_service.env = {"ALLO_PLANNING_PLAN_REFRESH_SECONDS": "0.5"}
    allo_service.start()
    return allo_service


def test_level1_needs_the_erlang_figure_now_against_those_present(quick_plan):
    want = agents_needed(120, AHT, Targets(20, 80, 30), 0.3)
    deadline = time.monotonic() + 15
    with httpx.Client(base_url=quick_plan.base_url, timeout=10, headers=quick_plan.headers(Role.SUPERVISOR)) as c:
        while True:
            doc = c.get("/api/dashboard").json()
            l1 = next(q for q in doc["queues"] if q["name"] == "l1")
            if l1["staffing"]["needed"] is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    staffing, agents = l1["staffing"], l1["agents"]
    assert (staffing["slot"], staffing["needed"], staffing["scheduled"], staffing["forecast_calls"]) == \
        ("10:00\u201310:30", want.agents, want.scheduled, 60.0)
    assert staffing["present"] == agents["logged_in"] - agents["paused"]
    assert staffing["short"] is (staffing["present"] < want.agents)
    # A sector queue, open now (specialist hours: Monday 08:30-18:15) with no history, needs nobody.
    sector = next(q for q in doc["queues"] if q["level"] == 2)
    assert sector["staffing"]["needed"] == 0


async def test_the_dashboard_page_shows_needed_now_over_present(quick_plan, page):
    want = agents_needed(120, AHT, Targets(20, 80, 30), 0.3)
    await login(page, quick_plan, Role.SUPERVISOR, "/dashboard")
    needed = page.locator('#dash-queues tr[data-queue="l1"] td.needed-now')
    await needed.filter(has_text=f"{want.agents} / ").wait_for()
    label = await needed.get_attribute("aria-label") or ""
    assert label.startswith(f"{want.agents} nécessaires (10:00\u201310:30)")
    present = int((await needed.inner_text()).split("/")[1])
    assert ("sous-effectif" in label) is (present < want.agents)
    assert await page.get_attribute("#dash-planning", "href") == "/planning"
    await shot(page, "dashboard-needed-now")
