"""GET /api/audit and /audit against the real service: filters, paging, and who sees which entries (account
administration only for admins)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry
from tests.browser_kit import login, shot

pytestmark = pytest.mark.integration


async def _execute(url: str, statement) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def actors(test_settings, seeded):
    """Entries by actors of their own (nobody else writes under these names), deleted afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = {"ops": f"ops-{tag}", "sup": f"sup-{tag}", "admin": f"adm-{tag}"}
    now = datetime.now(UTC)
    rows = [
        {"at": now - timedelta(hours=5), "actor": names["ops"], "role": "ops", "action": "rules.publish",
         "target": "version 12", "detail": {"comment": "fermeture exceptionnelle"}},
        {"at": now - timedelta(hours=3), "actor": names["ops"], "role": "ops", "action": "rules.rollback",
         "target": "version 12", "detail": {}},
        {"at": now - timedelta(hours=2), "actor": names["sup"], "role": "supervisor", "action": "agent.pause",
         "target": "agent1001", "detail": {"reason": "formation"}},
        {"at": now - timedelta(hours=1), "actor": names["admin"], "role": "admin", "action": "user.create",
         "target": "<script>alert(1)</script>", "detail": {"role": "ops"}},
    ]
    asyncio.run(_execute(test_settings.sqlalchemy_url, insert(AuditEntry).values(rows)))
    yield names
    asyncio.run(_execute(test_settings.sqlalchemy_url,
                         delete(AuditEntry).where(AuditEntry.actor.in_(list(names.values())))))


def get(service, role: Role, path: str = "/api/audit", **params) -> httpx.Response:
    return httpx.get(service.base_url + path, params=params, headers=service.headers(role), timeout=10)


def test_filters_and_newest_first(running_service, actors):
    reply = get(running_service, Role.ADMIN, actor=actors["ops"])
    assert reply.status_code == 200, reply.text
    entries = reply.json()["entries"]
    assert [e["action"] for e in entries] == ["rules.rollback", "rules.publish"]
    assert entries[1]["detail"] == {"comment": "fermeture exceptionnelle"} and entries[1]["role"] == "ops"
    assert entries[1]["at"][-6:] in ("+01:00", "+02:00")  # Paris time
    assert reply.json()["next_before"] is None
    only = get(running_service, Role.ADMIN, actor=actors["ops"], action="rules.publish").json()["entries"]
    assert [e["action"] for e in only] == ["rules.publish"]
    prefixed = get(running_service, Role.ADMIN, actor=actors["ops"], action="rules.*").json()["entries"]
    assert len(prefixed) == 2
    since = (datetime.now(UTC) - timedelta(hours=4)).isoformat()
    recent = get(running_service, Role.ADMIN, actor=actors["ops"], since=since).json()["entries"]
    assert [e["action"] for e in recent] == ["rules.rollback"]


def test_paging_with_limit_and_before(running_service, actors):
    first = get(running_service, Role.OPS, actor=actors["ops"], limit=1).json()
    assert [e["action"] for e in first["entries"]] == ["rules.rollback"]
    assert first["next_before"] == first["entries"][0]["id"]
    second = get(running_service, Role.OPS, actor=actors["ops"], limit=1, before=first["next_before"]).json()
    assert [e["action"] for e in second["entries"]] == ["rules.publish"]
    third = get(running_service, Role.OPS, actor=actors["ops"], limit=1, before=second["next_before"]).json()
    assert third == {"entries": [], "next_before": None}


def test_supervisors_and_ops_see_each_other_but_not_account_administration(running_service, actors):
    for role in (Role.SUPERVISOR, Role.OPS):
        assert len(get(running_service, role, actor=actors["ops"]).json()["entries"]) == 2
        assert len(get(running_service, role, actor=actors["sup"]).json()["entries"]) == 1
        assert get(running_service, role, actor=actors["admin"]).json()["entries"] == []
        assert get(running_service, role, action="user.*").json()["entries"] == []
    admin = get(running_service, Role.ADMIN, actor=actors["admin"]).json()["entries"]
    assert [e["action"] for e in admin] == ["user.create"]
    assert get(running_service, Role.AGENT).status_code == 403
    assert httpx.get(running_service.base_url + "/api/audit").status_code == 401


@pytest.mark.parametrize(("params", "message"), [
    ({"since": "hier"}, "'since' must be YYYY-MM-DD or an ISO date-time"),
    ({"limit": 0}, "'limit' must be between 1 and 1000"),
    ({"limit": 5000}, "'limit' must be between 1 and 1000"),
])
def test_bad_parameters_are_422(running_service, actors, params, message):
    reply = get(running_service, Role.SUPERVISOR, **params)
    assert reply.status_code == 422 and reply.json()["detail"]["message"].startswith(message)


def test_the_page_lists_entries_escaped_and_filtered_by_role(running_service, actors):
    page = get(running_service, Role.SUPERVISOR, "/audit", since=datetime.now(UTC).date().isoformat())
    assert page.status_code == 200, page.text
    admin_page = get(running_service, Role.ADMIN, "/audit", actor=actors["admin"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin_page.text and "<script>alert(1)" not in admin_page.text
    sup_page = get(running_service, Role.SUPERVISOR, "/audit", actor=actors["sup"]).text
    assert "agent.pause" in sup_page and "formation" in sup_page
    assert actors["admin"] not in get(running_service, Role.SUPERVISOR, "/audit").text
    assert get(running_service, Role.OPS, "/audit", since="hier").status_code == 422


async def test_the_page_in_a_browser(running_service, actors, page):
    await login(page, running_service, Role.SUPERVISOR, f"/audit?actor={actors['ops']}")
    rows = page.locator("#audit-entries tbody tr")
    assert [t.split("\t")[3] for t in await rows.all_inner_texts()] == ["rules.rollback", "rules.publish"]
    await page.fill("input[name=actor]", "")
    async with page.expect_navigation():
        await page.click("form.audit-form [type=submit]")
    await shot(page, "audit-page")
    assert actors["sup"] in await page.inner_text("#audit-entries")
    assert actors["admin"] not in await page.inner_text("#audit-entries")
    await page.fill("input[name=since]", "hier")
    async with page.expect_navigation():
        await page.click("form.audit-form [type=submit]")
    assert "YYYY-MM-DD" in await page.inner_text("#audit-error")
