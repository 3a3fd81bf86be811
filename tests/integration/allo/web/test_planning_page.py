"""The /planning page in Debian's chromium over planning_kit's summary rows: the week grid of l1 within its opening
hours, the under-staffed cell red with its text marker and label, the queue and week pickers and the previous /
next links from the keyboard, the CSV link, the chart. Artefact: tests/artifacts/planning-2026-W40.png."""

from __future__ import annotations

import pytest

from allo.auth.roles import Role
from tests.browser_kit import login, shot
from tests.integration.allo.planning_kit import BUSY, QUIET, WEEK, inserted

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


def cell(day: str, slot: int) -> str:
    return f'#plan-grid td[data-day="{day}"][data-slot="{slot}"]'


async def test_a_supervisor_reads_the_week_grid_and_moves_with_the_keyboard(running_service, history, page):
    # From the reports page, by the keyboard: next week (from the service's clock, Monday 2026-11-23), level 1.
    await login(page, running_service, Role.SUPERVISOR, "/reports")
    await page.focus("#planning-link")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.input_value("#plan-week") == "2026-W49" and await page.input_value("#plan-queue") == "l1"
    await page.goto(f"{running_service.base_url}/planning?week={WEEK}&queue=l1")
    title = await page.inner_text("h1")
    assert title.startswith("Planification des effectifs — ") and title.endswith(", semaine 2026-W40")
    assert await page.locator("#plan-grid tbody tr").count() == 24  # 08:00 .. 19:30
    assert await page.locator("#plan-grid thead th").count() == 8
    busy = page.locator(cell("2026-09-28", BUSY))
    assert "plan-short" in (await busy.get_attribute("class") or "")
    assert "⚠ manque" in await busy.inner_text()
    assert "sous-effectif" in (await busy.get_attribute("aria-label") or "")
    colour = await busy.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(253, 236, 236)"
    quiet = page.locator(cell("2026-09-28", QUIET))
    assert "plan-short" not in (await quiet.get_attribute("class") or "") and "⚠" not in await quiet.inner_text()
    assert await page.inner_text(cell("2026-10-04", 20)) == "fermé"  # Sunday
    assert await page.inner_text("#plan-short-count") == "1"
    assert "8 semaine(s)" in await page.inner_text("#plan-weeks")
    assert await page.get_attribute("#plan-csv", "href") == f"/api/planning/week.csv?week={WEEK}&queue=l1"
    assert await page.locator("#plan-chart polyline.plan-needed").count() >= 1
    assert await page.locator("#plan-chart circle.plan-short-mark").count() == 1
    await shot(page, "planning-2026-W40")

    # Keyboard: the next week's link, then the week field (type, Enter submits), then the queue picker.
    await page.focus("#plan-next")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "week=2026-W41" in page.url and await page.input_value("#plan-week") == "2026-W41"
    assert await page.locator(cell("2026-10-05", BUSY)).count() == 1  # Monday of 2026-W41
    await page.focus("#plan-week")
    await page.fill("#plan-week", WEEK)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "week=2026-W40" in page.url
    assert await page.locator("#plan-grid td.plan-short").count() == 1
    await page.focus("#plan-queue")
    await page.keyboard.press("ArrowDown")
    chosen = await page.input_value("#plan-queue")
    assert chosen != "l1"
    await page.keyboard.press("Tab")  # to the week field
    await page.keyboard.press("Tab")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")  # « Afficher » (or Enter in the week field: the same form)
    assert f"queue={chosen}" in page.url


async def test_a_bad_week_is_explained_on_the_page(running_service, history, page):
    await login(page, running_service, Role.OPS, "/planning?week=2026-W99")
    assert "Semaine illisible" in await page.inner_text("#plan-error")
