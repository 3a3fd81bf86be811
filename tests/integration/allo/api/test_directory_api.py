"""Directory API against the running service and the demo directory `allo setup` loads (the seeded database)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from allo.auth.roles import Role

pytestmark = pytest.mark.integration

METZ_CAF = "00000000-3939-4000-8000-000000000004"
PREFECTURE_57, SEJOUR_57 = "00000000-3939-4000-8000-000000000002", "00000000-3939-4000-8000-000000000003"


@pytest.fixture
def agent(running_service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.AGENT),
                      timeout=30) as client:
        yield client


def test_search_by_type_and_commune(agent):
    reply = agent.get("/api/directory/search", params={"q": "caf metz"})
    assert reply.status_code == 200, reply.text
    found = reply.json()
    assert found["commune"]["insee"] == "57463" and found["type"] == [{"code": "caf", "label": "la Caf"}]
    first = found["results"][0]
    assert first["id"] == METZ_CAF and first["distance_rank"] == 0 and first["phones"][0]["number"]
    assert {"name", "address", "hours", "open_now", "opening_status", "pivots"} <= set(first)
    national = agent.get("/api/directory/search", params={"type": "adil", "commune": "Paris 15e"}).json()
    assert national["results"][0]["national"] and national["results"][0]["distance_label"] == "national"
    village = agent.get("/api/directory/search", params={"type": "impôts", "commune": "Sainte-Aurélie"}).json()
    assert village["commune"]["insee"] == "12999" and "Millau" in village["results"][0]["name"]


def test_bad_queries_are_clear_422s(agent):
    empty = agent.get("/api/directory/search")
    assert empty.status_code == 422 and empty.json()["detail"]["error"] == "empty_query"
    assert agent.get("/api/directory/search", params={"q": "caf", "limit": 0}).status_code == 422


def test_body_with_parents_and_children_and_french_404(agent):
    prefecture = agent.get(f"/api/directory/bodies/{PREFECTURE_57}").json()
    assert [c["id"] for c in prefecture["children"]] == [SEJOUR_57] and prefecture["retired"] is False
    child = agent.get(f"/api/directory/bodies/{SEJOUR_57}").json()
    assert [p["id"] for p in child["parents"]] == [PREFECTURE_57]
    caf = agent.get(f"/api/directory/bodies/{METZ_CAF}").json()
    assert caf["served"] == [{"pivot": "caf", "count": 4, "communes": ["57001", "57002", "57003", "57463"]}]
    missing = agent.get("/api/directory/bodies/inconnu")
    assert missing.status_code == 404
    assert missing.json()["detail"]["message"] == "Organisme introuvable dans l'annuaire."


def test_openapi_and_metrics(running_service, agent):
    paths = httpx.get(f"{running_service.base_url}/openapi.json").json()["paths"]
    assert "/api/directory/search" in paths and "/api/directory/bodies/{body_id}" in paths
    agent.get("/api/directory/search", params={"q": "mairie"})
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS)) as ops:
        metrics = ops.get("/metrics").text
    assert "allo_directory_search_seconds_count" in metrics
