"""The knowledge API against the running service, on the demo sheets `allo setup` loads (the session's seed):
search as you type, a sheet with its document and breadcrumb, 404 in French, the latency histogram."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from allo.auth.roles import Role

pytestmark = pytest.mark.integration


@pytest.fixture
def agent(running_service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.AGENT),
                      timeout=30) as client:
        yield client


def test_search_finds_the_expected_sheet_first(agent):
    reply = agent.get("/api/knowledge/search", params={"q": "licensiement"})
    assert reply.status_code == 200, reply.text
    first = reply.json()["results"][0]
    assert first["id"] == "F90212" and first["kind"] == "fiche" and first["retired"] is False
    assert first["title"] == "Licenciement pour motif personnel" and first["audience"] == ["Particuliers"]
    assert first["theme"] == "Travail" and first["theme_id"] == "N90200" and first["score"] > 0
    assert "escalation" not in first  # wired when the escalation sheets land
    typed = agent.get("/api/knowledge/search", params={"q": "pention alim", "limit": 3}).json()["results"]
    assert typed[0]["id"] == "F90411" and len(typed) <= 3


def test_search_that_matches_nothing_and_bad_parameters(agent):
    reply = agent.get("/api/knowledge/search", params={"q": "xylophone quantique"})
    assert reply.status_code == 200 and reply.json() == {"results": []}
    assert agent.get("/api/knowledge/search").json() == {"results": []}
    assert agent.get("/api/knowledge/search", params={"q": "carte\x00identité"}).status_code == 200
    assert agent.get("/api/knowledge/search", params={"q": "x", "limit": 0}).status_code == 422
    assert agent.get("/api/knowledge/search", params={"q": "x" * 201}).status_code == 422


def test_a_sheet_with_its_document(agent):
    reply = agent.get("/api/knowledge/fiches/F90111")
    assert reply.status_code == 200, reply.text
    sheet = reply.json()
    assert sheet["title"] == "Carte d'identité : demande, renouvellement et perte" and sheet["retired"] is False
    assert [level["id"] for level in sheet["breadcrumb"]] == ["N90100", "N90110", "F90111"]
    assert sheet["pivots"] == ["mairie"] and sheet["links_missing"] == []
    document = sheet["document"]
    assert document["blocks"][0]["t"] == "cases" and document["where"][0]["pivot"] == "mairie"
    assert document["questions"] == [{"id": "F90113", "title": "Peut-on voyager avec une carte d'identité périmée ?"}]
    theme = agent.get("/api/knowledge/fiches/N90600").json()
    assert [d["id"] for d in theme["document"]["children"][0]["children"]] == ["N90610", "N90620", "N90630"]


def test_unknown_sheet_is_a_french_404(agent):
    for sheet_id in ("F00000", "not a sheet!", "F" * 40):
        reply = agent.get(f"/api/knowledge/fiches/{sheet_id}")
        assert reply.status_code in (404, 422), reply.text
    assert agent.get("/api/knowledge/fiches/F00000").json() == {"detail": "Fiche inconnue : F00000"}


def test_search_latency_is_measured(agent, running_service):
    agent.get("/api/knowledge/search", params={"q": "démission"})
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS)) as ops:
        metrics = ops.get("/metrics").text
    assert "allo_knowledge_search_seconds_count" in metrics
