"""The escalation sheets' ops page against the real service: listed from the draft, a refused edit says why in
French and changes nothing, and in Chromium with the keyboard alone a new sheet is added, published and read back."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from allo.auth.roles import Role
from tests.browser_kit import login, shot

pytestmark = pytest.mark.integration

INSTRUCTION = "Orienter vers la mairie du domicile pour le dépôt du dossier"


@pytest.fixture
def ops(running_service) -> Iterator[httpx.Client]:
    """Signed in as ops, no draft before and after; the rules the test started from are put back."""
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS),
                      timeout=20) as client:
        assert client.post("/ops/rules/discard").status_code == 303
        start = client.get("/api/rules/current").json()
        yield client
        client.post("/ops/rules/discard")
        if client.get("/api/rules/current").json()["document"] != start["document"]:
            reply = client.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert reply.status_code == 200, reply.text


def test_the_page_lists_the_sheets_and_a_refused_edit_changes_nothing(ops):
    page = ops.get("/ops/rules/escalations")
    assert page.status_code == 200
    for marker in ('id="escalation-N90200"', 'id="escalation-F90631"', "Niveau 2 - Droit du travail",
                   "l&#39;Adil (information sur le logement)", 'for="escalation-instruction"'):
        assert marker in page.text, marker
    refused = ops.post("/ops/rules/edit", data={"op": "set_escalation", "section": "escalations",
                                                "target_id": "F90111", "sector": "interieur", "pivot": "mairie",
                                                "instruction": INSTRUCTION})
    assert refused.status_code == 422 and 'class="error"' in refused.text
    assert ("Fiche de remontée F90111 : indiquez soit un secteur du niveau 2, soit un organisme extérieur (code "
            "pivot), et un seul") in refused.text
    assert 'id="escalation-F90111"' not in refused.text
    unreadable = ops.post("/ops/rules/edit", data={"op": "set_escalation", "section": "escalations",
                                                   "target_id": "", "instruction": INSTRUCTION})
    assert unreadable.status_code == 422 and "Le champ « identifiant » est obligatoire." in unreadable.text
    removed = ops.post("/ops/rules/edit", data={"op": "remove_escalation", "section": "escalations",
                                                "target_id": "F90511"})
    assert removed.status_code == 303 and removed.headers["location"] == "/ops/rules/escalations?done=edit"
    assert 'id="escalation-F90511"' not in ops.get("/ops/rules/escalations").text
    assert "escalations.F90511" in ops.get("/ops/rules").text  # the draft's diff shows it


async def test_add_with_the_keyboard_then_publish(ops, running_service, page):
    await login(page, running_service, Role.OPS, "/ops/rules/escalations")
    await page.focus("#escalation-target")
    await page.keyboard.type("F90111")
    await page.keyboard.press("Tab")  # the sector: none
    await page.keyboard.press("Tab")
    await page.keyboard.type("mairie")
    await page.keyboard.press("Tab")
    await page.keyboard.type(INSTRUCTION)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Modification enregistrée dans le brouillon." in await page.inner_text("#notice")
    row = page.locator("#escalation-F90111")
    assert await row.locator("input[name=pivot]").input_value() == "mairie"
    assert "la mairie" in await row.inner_text()
    await shot(page, "ops-escalations-draft")
    await page.goto(f"{running_service.base_url}/ops/rules")
    await page.focus("#publish input[name=comment]")
    await page.keyboard.type("remontée carte d'identité")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    current = ops.get("/api/rules/current").json()
    assert current["comment"] == "remontée carte d'identité"
    assert current["document"]["escalations"]["F90111"] == {"sector": None, "pivot": "mairie",
                                                            "instruction": INSTRUCTION}
