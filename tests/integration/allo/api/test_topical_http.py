"""The topical message in one click against the running service (routing clock: Monday 23/11/2026 10:00 Paris):
API and ops page publish a version through the editor's path, audited, synthesised for Asterisk, withdrawn."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from allo.auth.roles import Role
from allo.rules.topical import prompt_name
from tests.browser_kit import login, shot

pytestmark = pytest.mark.integration

TEXT = "Pour la prime de Noël, consultez le site service-public.fr."


def wait_until(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def ops(running_service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS),
                      timeout=30) as client:
        start = client.get("/api/rules/current").json()
        yield client
        if client.get("/api/rules/current").json()["document"] != start["document"]:
            reply = client.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert reply.status_code == 200, reply.text


def test_set_publishes_a_version_audited_and_synthesised_then_withdraw(ops, running_service, asterisk):
    before = ops.get("/api/rules/current").json()
    reply = ops.post("/api/rules/topical", json={"text": TEXT, "ends": "2026-11-23T18:00"})
    assert reply.status_code == 201, reply.text
    version = reply.json()
    assert version["published_by"] == "ops" and version["comment"] == f"message d'actualité : « {TEXT} »"
    current = ops.get("/api/rules/current").json()
    assert current["id"] == version["id"] and current["id"] > before["id"]
    topical = current["document"]["topical"]
    assert (topical["text"], topical["prompt"], topical["enabled"]) == (TEXT, prompt_name(TEXT), True)
    assert topical["ends"].startswith("2026-11-23T17:00")  # 18:00 Paris, stored as an instant (UTC)
    assert current["document"]["prompts"][prompt_name(TEXT)] == TEXT
    changes = ops.get(f"/api/rules/versions/{before['id']}/diff/{version['id']}").json()["changes"]
    assert {c["path"] for c in changes} == {"topical", f"prompts.{prompt_name(TEXT)}"}
    [entry] = ops.get("/api/audit", params={"action": "rules.topical", "limit": 1}).json()["entries"]
    assert entry["target"] == f"version {version['id']}" and entry["detail"]["edit"]["text"] == TEXT
    sound = asterisk.sounds_dir / "fr" / f"{prompt_name(TEXT)}.wav"
    wait_until(sound.exists, "the topical message was not synthesised")

    gone = ops.delete("/api/rules/topical")
    assert gone.status_code == 200, gone.text
    assert gone.json()["comment"] == "message d'actualité retiré"
    assert ops.get("/api/rules/current").json()["document"]["topical"] is None
    again = ops.delete("/api/rules/topical")
    assert again.status_code == 422
    assert again.json()["detail"]["problems"][0]["message"] == "Il n'y a pas de message d'actualité à retirer"


@pytest.mark.parametrize(("body", "message"), [
    ({"text": TEXT, "ends": "2026-11-23T09:00"}, "La fin du message d'actualité (23/11/2026 09:00) est déjà passée"),
    ({"text": "x" * 91, "ends": "2026-11-23T18:00"}, "Le message d'actualité fait 91 caractères : 90 au plus "
                                                      "(chaque appelant l'entend avant le menu)"),
])
def test_refused_changes_nothing(ops, body, message):
    before = ops.get("/api/rules/current").json()["id"]
    reply = ops.post("/api/rules/topical", json=body)
    assert reply.status_code == 422 and reply.json()["detail"]["problems"][0]["message"] == message
    assert ops.get("/api/rules/current").json()["id"] == before


def test_only_ops(running_service):
    reply = httpx.post(f"{running_service.base_url}/api/rules/topical", headers=running_service.headers(
        Role.SUPERVISOR), json={"text": TEXT, "ends": "2026-11-23T18:00"}, timeout=10)
    assert reply.status_code == 403


async def test_the_ops_form_in_one_click_with_the_keyboard(ops, running_service, page):
    await login(page, running_service, Role.OPS, "/ops/rules")
    await page.focus("#topical-text")
    await page.keyboard.type(TEXT)
    await page.fill("#topical-ends", "2026-11-23T18:00")
    await page.keyboard.press("Tab")  # to the button
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Message d'actualité publié" in await page.inner_text("#notice")
    assert TEXT in await page.inner_text("#topical-current")
    assert "23/11/2026 18:00" in await page.inner_text("#topical-current")
    await shot(page, "ops-topical-published")
    async with page.expect_navigation():
        await page.click("form.topical-withdraw button")
    assert "Message d'actualité retiré" in await page.inner_text("#notice")
    assert "Aucun message d'actualité" in await page.inner_text("#topical-current")
