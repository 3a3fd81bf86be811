"""The barometer page in Debian's chromium over the seeded history (barometer_kit): the month's figures beside the
previous month's, the charts, the month picker from the keyboard, the « Imprimer » button, the print media (A4, no
navigation, charts kept) and a PDF of it. Artefacts: tests/artifacts/barometer-*.png and barometer-2025-10.pdf."""

from __future__ import annotations

import asyncio
import re

import pytest

from allo.auth.roles import Role
from tests.browser_kit import ARTIFACTS, login, shot
from tests.integration.allo.barometer_kit import expected, inserted, queue_thresholds

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def history(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


@pytest.fixture(scope="module")
def thresholds(test_settings, seeded) -> dict[str, tuple[int, int]]:
    return asyncio.run(queue_thresholds(test_settings.sqlalchemy_url))


async def cells(page, indicator: str) -> list[str]:
    return [t.strip() for t in await page.locator(f'tr[data-indicator="{indicator}"] > *').all_inner_texts()]


async def test_a_director_reads_october_prints_it_and_moves_to_march(running_service, history, thresholds, page):
    want = expected(history, "2025-10", thresholds)
    october, september = want.months["2025-10"].figures(), want.months["2025-09"].figures()
    await login(page, running_service, Role.SUPERVISOR, "/reports/barometer?month=2025-10")
    assert await page.inner_text("h1") == "Baromètre qualité — octobre 2025"
    assert await cells(page, "offered") == ["Appels offerts", str(october["offered"]), str(september["offered"]),
                                            f"+{october['offered'] - september['offered']}"
                                            if october["offered"] > september["offered"] else
                                            f"\u2212{september['offered'] - october['offered']}"]
    sl = await cells(page, "service_level_pct")
    assert sl[:3] == ["Niveau de service", f"{october['service_level_pct']:.1f} %",
                      f"{september['service_level_pct']:.1f} %"]
    assert re.fullmatch(r"[+\u2212±]\d+\.\d pt", sl[3])
    assert (await cells(page, "satisfaction_avg"))[1] == f"{october['satisfaction_avg']:.2f} / 5"
    assert await page.inner_text("#l1-escalated") == str(october["l1_escalated"])
    assert await page.locator("#barometer-months tbody tr").count() == 12
    charts = page.locator("#barometer-charts svg.report-chart")
    assert await charts.count() == 7
    assert await page.locator("#chart-volumes rect title").count() == 24  # 12 months, answered and abandoned
    assert await page.get_attribute("#barometer-csv", "href") == "/api/reports/barometer?month=2025-10&format=csv"
    await shot(page, "barometer-2025-10")

    # « Imprimer » opens the browser's print dialogue (replaced here: headless chromium has none).
    await page.evaluate("() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }")
    await page.focus("#barometer-print")
    await page.keyboard.press("Enter")
    assert await page.evaluate("window.__printed") == 1

    await page.emulate_media(media="print")
    assert not await page.locator("header.top").is_visible()
    assert not await page.locator("form.barometer-form").is_visible()
    assert await page.locator("#chart-volumes").is_visible() and await page.locator("#chart-answered").is_visible()
    assert await page.evaluate("getComputedStyle(document.querySelector('#barometer-charts')).breakBefore") == "page"
    await shot(page, "barometer-2025-10-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = await page.pdf(path=str(ARTIFACTS / "barometer-2025-10.pdf"), prefer_css_page_size=True,
                         print_background=True)
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}  # A4 in points
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    assert 2 <= pages <= 6, pages
    await page.emulate_media(media="screen")

    # The month picker, from the keyboard: type the month, Enter submits.
    await page.fill("#barometer-month", "2025-03")
    await page.focus("#barometer-month")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.endswith("/reports/barometer?month=2025-03")
    march = expected(history, "2025-03", thresholds).months["2025-03"].figures()
    assert (await cells(page, "offered"))[1] == str(march["offered"])
    assert await page.inner_text("h1") == "Baromètre qualité — mars 2025"
    await shot(page, "barometer-2025-03")
    await page.focus("#barometer-next")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.endswith("/reports/barometer?month=2025-04")
    assert await page.input_value("#barometer-month") == "2025-04"


async def test_a_bad_month_is_explained_on_the_page(running_service, history, page):
    await login(page, running_service, Role.OPS, "/reports/barometer?month=2025-13")
    assert "must be a month YYYY-MM" in await page.inner_text("#barometer-error")
