"""The survey for ops against the running service: the share and a prompt edited through the editor's API and
published (supervisors read it, not edit it; the reworded prompt is synthesised again), a bad share refused in
French; the answers as paged JSON and CSV with Paris dates around the autumn clock change; the editor's section
in chromium with the keyboard."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.after_call_models import SurveyResponse
from allo.reports.surveys import CSV_HEADER
from routing.survey import SURVEY_PROMPT_THANKS
from tests.browser_kit import login, shot

pytestmark = pytest.mark.integration

PREFIX = "it-survey-"
ANSWERS = [  # (call id, started UTC, queue, agent, status, satisfaction, answered)
    ("a", datetime(2026, 10, 24, 21, 59, tzinfo=UTC), "l1", "agent1001", "complete", 4, True),  # 24/10 23:59 CEST
    ("b", datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "l1", "agent1002", "partial", 2, None),  # 25/10 00:30 CEST
    ("c", datetime(2026, 10, 25, 22, 59, tzinfo=UTC), "l2-justice", "agent1001", "no_answer", None, None),  # 23:59 CET
    ("d", datetime(2026, 10, 25, 23, 0, tzinfo=UTC), "l1", "agent1001", "complete", 5, False),  # 26/10 00:00 CET
]


def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


async def _insert(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(delete(SurveyResponse).where(SurveyResponse.call_id.startswith(PREFIX)))
        await conn.execute(SurveyResponse.__table__.insert(), [
            {"call_id": PREFIX + call, "started_at": started, "queue": queue, "agent": agent, "status": status,
             "satisfaction": note, "answered": answered, "origin": "queue", "reason": "impots"}
            for call, started, queue, agent, status, note, answered in ANSWERS])
    await engine.dispose()


async def _remove(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(delete(SurveyResponse).where(SurveyResponse.call_id.startswith(PREFIX)))
    await engine.dispose()


@pytest.fixture(scope="module")
def answers(test_settings, seeded) -> Iterator[None]:
    asyncio.run(_insert(test_settings.sqlalchemy_url))
    yield
    asyncio.run(_remove(test_settings.sqlalchemy_url))


@pytest.fixture
def ops(running_service) -> Iterator[httpx.Client]:
    """As ops, from an empty draft; publications undone and the draft discarded after."""
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS),
                      timeout=30) as client:
        client.delete("/api/rules/draft")
        start = client.get("/api/rules/current").json()
        yield client
        client.delete("/api/rules/draft")
        if client.get("/api/rules/current").json()["document"] != start["document"]:
            reply = client.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert reply.status_code == 200, reply.text


@pytest.fixture
def supervisor(running_service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.SUPERVISOR),
                      timeout=30) as client:
        yield client


def test_ops_set_the_share_and_a_prompt_supervisors_read_it(ops, supervisor, asterisk):
    assert supervisor.get("/api/rules/survey").json()["summary"] == "Enquête de satisfaction : 1 appel sur 5"
    refused = supervisor.post("/api/rules/draft/edits", json={"op": "set_survey", "enabled": True, "one_in": 1})
    assert refused.status_code == 403
    bad = ops.post("/api/rules/draft/edits", json={"op": "set_survey", "enabled": True, "one_in": 101})
    assert bad.status_code == 422
    assert bad.json()["detail"]["problems"] == [{"path": "survey.one_in", "message": "Enquête de satisfaction : "
                                                 "« 1 appel sur N » doit être entre 1 et 100, pas 101"}]
    sound = asterisk.sounds_dir / "fr" / f"{SURVEY_PROMPT_THANKS}.wav"
    old_sound = sound.read_bytes()
    for edit in ({"op": "set_survey", "enabled": True, "one_in": 2},
                 {"op": "set_prompt_text", "name": SURVEY_PROMPT_THANKS, "text": "Merci beaucoup et bonne journée."}):
        reply = ops.post("/api/rules/draft/edits", json=edit)
        assert reply.status_code == 200, reply.text
    published = ops.post("/api/rules/draft/publish", json={"comment": "enquête : un appel sur deux"})
    assert published.status_code == 200, published.text
    survey = supervisor.get("/api/rules/survey").json()
    assert (survey["enabled"], survey["one_in"], survey["summary"]) == (True, 2,
                                                                        "Enquête de satisfaction : 1 appel sur 2")
    assert {p["name"]: p["text"] for p in survey["prompts"]}[SURVEY_PROMPT_THANKS] == "Merci beaucoup et bonne journée."
    assert survey["version"] == published.json()["id"]
    wait_until(lambda: sound.read_bytes() != old_sound, "the reworded survey prompt was not synthesised again")


def test_answers_paged_json_filtered_by_paris_days(supervisor, answers):
    day = supervisor.get("/api/reports/surveys", params={"from": "2026-10-25", "to": "2026-10-25"}).json()
    assert [r["call_id"] for r in day["rows"]] == [PREFIX + "b", PREFIX + "c"]  # 25 hours, midnight to midnight
    assert [(r["day"], r["time"]) for r in day["rows"]] == [("2026-10-25", "00:30:00"), ("2026-10-25", "23:59:00")]
    assert day["summary"] == {"surveys": 2, "by_status": {"no_answer": 1, "partial": 1, "complete": 0},
                              "avg_satisfaction": 2.0, "answered_yes_pct": None}
    assert set(day["rows"][0]) == {"call_id", "started_at", "day", "time", "queue", "agent", "origin", "origin_label",
                                   "reason", "status", "status_label", "satisfaction", "answered"}  # no number
    three = {"from": "2026-10-24", "to": "2026-10-26"}
    mine = supervisor.get("/api/reports/surveys", params=three | {"agent": "agent1001", "queue": "l1"}).json()
    assert [r["call_id"] for r in mine["rows"]] == [PREFIX + "a", PREFIX + "d"]
    assert (mine["summary"]["avg_satisfaction"], mine["summary"]["answered_yes_pct"]) == (4.5, 50.0)
    second = supervisor.get("/api/reports/surveys", params=three | {"limit": 1, "offset": 1}).json()
    assert (second["total"], [r["call_id"] for r in second["rows"]]) == (4, [PREFIX + "b"])
    bad = supervisor.get("/api/reports/surveys", params={"from": "2026-10-26", "to": "2026-10-24"})
    assert bad.status_code == 422 and "is after" in bad.json()["detail"]["message"]


def test_answers_as_csv_with_french_headers(supervisor, answers, running_service):
    reply = supervisor.get("/api/reports/surveys", params={"from": "2026-10-24", "to": "2026-10-26", "format": "csv"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    assert 'filename="allo-enquetes-2026-10-24-2026-10-26.csv"' in reply.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(reply.text)))
    assert tuple(table[0]) == CSV_HEADER
    assert [row[:3] + row[7:] for row in table[1:]] == [
        [PREFIX + "a", "2026-10-24", "23:59:00", "complète", "4", "oui"],
        [PREFIX + "b", "2026-10-25", "00:30:00", "partielle", "2", ""],
        [PREFIX + "c", "2026-10-25", "23:59:00", "sans réponse", "", ""],
        [PREFIX + "d", "2026-10-26", "00:00:00", "complète", "5", "non"]]
    agent = httpx.get(f"{running_service.base_url}/api/reports/surveys", params={"from": "2026-10-24",
                      "to": "2026-10-26"}, headers=running_service.headers(Role.AGENT), timeout=10)
    assert agent.status_code == 403


async def test_the_editor_section_with_the_keyboard(ops, running_service, page):
    await login(page, running_service, Role.OPS, "/ops/rules/survey")
    await page.focus("#survey-one-in")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("0")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    error = await page.inner_text("#survey-one-in-error")
    assert error == "Enquête de satisfaction : « 1 appel sur N » doit être entre 1 et 100, pas 0"
    assert await page.get_attribute("#survey-one-in", "aria-invalid") == "true"
    assert await page.input_value("#survey-one-in") == "0"  # what was typed is kept
    await shot(page, "ops-survey-refused")
    await page.focus("#survey-one-in")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("3")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Modification enregistrée" in await page.inner_text("#notice")
    assert await page.input_value("#survey-one-in") == "3"
    await page.focus("#survey-enabled")
    await page.keyboard.press("Space")  # off
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")  # past the share, to the button
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert not await page.is_checked("#survey-enabled")
    draft = ops.get("/api/rules/draft").json()
    assert draft["document"]["survey"] == {"enabled": False, "one_in": 3} and draft["problems"] == []
    await page.goto(f"{running_service.base_url}/ops/rules")
    assert "Enquête de satisfaction : désactivée" in await page.inner_text("#draft-changes")
    await shot(page, "ops-survey-draft")
