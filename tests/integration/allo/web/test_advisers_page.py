"""The « Par conseiller » page in Debian's chromium: reached from /reports, the chart and the table of the
advisers_kit history, sorted with the keyboard, one adviser's days, the CSV link, a bad range explained.
Screenshots: tests/artifacts/advisers-*.png."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from allo.auth.roles import Role
from tests.browser_kit import login, shot
from tests.integration.allo.advisers_kit import inserted

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


async def _agents_in_order(page) -> list[str]:
    return [a for a in await page.locator("#advisers-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.agent)") if a]


async def test_supervisor_reads_sorts_and_drills_into_one_adviser(running_service, history, page):
    await login(page, running_service, Role.SUPERVISOR, "/reports?from=2026-10-24&to=2026-10-26")
    async with page.expect_navigation():
        await page.click("#report-advisers-link a")
    assert "/reports/advisers?from=2026-10-24&to=2026-10-26" in page.url
    chart = page.locator("#advisers-chart")
    await chart.wait_for()
    svg = ET.fromstring(await chart.evaluate("node => node.outerHTML"))
    titles = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")}
    assert f"Xavier Essai ({history.x}) : 1.2 %" in titles and f"Yvonne Essai ({history.y}) : 600.0 s" in titles

    x_row = page.locator(f'#advisers-table tr[data-agent="{history.x}"]')
    # Conseiller, appels pris, dont file / direct / rappels, comm. moyenne, après-appel, fins d'appel sans motif,
    # DMT, connecté, pause, occupation, transferts, satisfaction, question répondue
    cells = [t.strip() for t in await x_row.locator("th, td").all_inner_texts()]
    assert cells[1:] == ["4", "2 / 1 / 1", "255.0", "45.0", "1 / 4", "300.0", "28:00:00", "1:00:00", "1.2 %", "1",
                         "4.0 (2)", "50.0 % (2)"]
    assert await page.locator(f'#advisers-pauses tr[data-agent="{history.x}"] td').first.inner_text() == "1:00:00"

    # Sorting by occupation with the keyboard: Tab to the header's button, Enter (ascending), Space (descending).
    button = page.locator("#advisers-table th button", has_text="Occupation")
    await button.focus()
    await page.keyboard.press("Enter")
    ours = [a for a in await _agents_in_order(page) if a in {history.x, history.y}]
    assert ours == [history.x, history.y]
    assert await button.evaluate("b => b.closest('th').getAttribute('aria-sort')") == "ascending"
    await page.keyboard.press("Space")
    ours = [a for a in await _agents_in_order(page) if a in {history.x, history.y}]
    assert ours == [history.y, history.x]
    assert "ordre décroissant" in await page.inner_text("#sort-status")
    await shot(page, "advisers-sorted")

    await page.select_option("select[name=agent]", history.x)
    async with page.expect_navigation():
        await page.click("form.report-form [type=submit]")
    rows = page.locator("#adviser-buckets tbody tr")
    assert [t.strip() for t in await rows.locator("th").all_inner_texts()] == [
        "2026-10-24", "2026-10-25", "2026-10-26", "Total"]
    day = [t.strip() for t in await page.locator('#adviser-buckets tr[data-bucket="2026-10-25"] td').all_inner_texts()]
    assert day[6:9] == ["25:00:00", "0:30:00", "1.4 %"]  # the 25-hour day
    assert await page.get_attribute("#advisers-csv", "href") == (
        f"/api/reports/advisers.csv?from=2026-10-24&to=2026-10-26&by=day&agent={history.x}")
    await shot(page, "advisers-one")


async def test_a_bad_range_is_explained(running_service, history, page):
    await login(page, running_service, Role.OPS, "/reports/advisers?from=2026-10-26&to=2026-10-25")
    assert await page.inner_text("#advisers-error") == "'from' (2026-10-26) is after 'to' (2026-10-25)"
