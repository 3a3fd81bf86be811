"""The /reports page in Debian's chromium: sign in as ops, read the DST-day report, change the form, download the
CSV. Screenshots: tests/artifacts/reports-*.png."""

from __future__ import annotations

import csv
import io

import pytest

from allo.auth.roles import Role
from allo.reports.csv_export import HEADER
from tests.browser_kit import login, shot
from tests.integration.allo.reports_kit import inserted

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recorded(test_settings, seeded):
    yield from inserted(test_settings.sqlalchemy_url)


async def test_ops_reads_the_autumn_report_by_hour_then_by_day_and_downloads_the_csv(running_service, recorded,
                                                                                       page):
    await login(page, running_service, Role.OPS, "/reports?from=2026-10-25&to=2026-10-25&by=hour&queue=l1")
    section = page.locator("#report-l1")
    await section.locator("svg.report-chart").wait_for()
    rows = section.locator("table.report tbody tr")
    assert await rows.count() == 25 + 1  # 25 hours and the total
    second = section.locator('tr[data-bucket="02:00 (+01:00)"] td')
    # Période, offerts, répondus, abandonnés, abandons courts, niveau de service, taux d'abandon, DMR, DMT
    cells = [text.strip() for text in await second.all_inner_texts()][:9]
    assert cells == ["2026-10-25 02:00 (+01:00)", "4", "2", "1", "0", "0.0 %", "25.0 %", "47.5", "180.0"]
    assert "rag-red" in (await second.nth(5).get_attribute("class") or "")
    await shot(page, "reports-dst-hours")

    await page.select_option("select[name=by]", "day")
    await page.fill("input[name=from]", "2026-10-24")
    await page.fill("input[name=to]", "2026-10-26")
    async with page.expect_navigation():
        await page.click("form.report-form [type=submit]")
    assert "by=day" in page.url and "queue=l1" in page.url
    day = [t.strip() for t in await page.locator('#report-l1 tr[data-bucket="2026-10-25"] td').all_inner_texts()]
    assert day[:9] == ["2026-10-25", "5", "3", "1", "1", "25.0 %", "20.0 %", "35.7", "220.0"]
    await shot(page, "reports-dst-days")

    async with page.expect_download() as download_info:
        await page.click("#report-csv")
    download = await download_info.value
    assert download.suggested_filename == "allo-report-2026-10-24-2026-10-26-day-l1.csv"
    text = (await download.path()).read_text(encoding="utf-8")
    rows_csv = list(csv.reader(io.StringIO(text)))
    assert tuple(rows_csv[0]) == HEADER and len(rows_csv) == 1 + 3 + 1


async def test_a_bad_range_is_explained_on_the_page(running_service, recorded, page):
    await login(page, running_service, Role.SUPERVISOR, "/reports?from=2026-10-26&to=2026-10-25")
    assert await page.inner_text("#report-error") == "'from' (2026-10-26) is after 'to' (2026-10-25)"
