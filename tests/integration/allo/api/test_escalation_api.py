"""GET /api/knowledge/escalation and GET /api/directory/local against the running service and PostgreSQL: the
seeded escalation sheets, a sheet's ancestry in kb_sheets, and bodies of an invented department (95, « Esc-… »,
never in the demo directory) inserted here: the commune's main office, the department, national, none."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.knowledge_models import DirBody, DirCommune, DirServed, KbSheet

pytestmark = pytest.mark.integration

COMMUNES = [{"insee": "95999", "name": "Esc-la-Ville", "postal_codes": ["95990"], "department": "95"},
            {"insee": "95998", "name": "Esc-le-Hameau", "postal_codes": ["95991"], "department": "95"}]
ADDRESS = {"kind": "physical", "street": "1 rue de l'Exemple", "complement1": "", "complement2": "",
           "postal_code": "95990", "commune": "Esc-la-Ville"}


def body(id: str, name: str, pivot: str, *, main: bool = False, national: bool = False,
         retired: bool = False) -> dict[str, object]:
    return {"id": f"test-esc-{id}", "name": name, "pivots": [pivot], "main_for": [pivot] if main else [],
            "national": national, "department": "" if national else "95", "insee": "" if national else "95999",
            "addresses": [ADDRESS], "phones": [{"number": "01 99 00 00 01", "description": ""}],
            "source_hash": "t", "retired_at": datetime(2026, 1, 1, tzinfo=UTC) if retired else None}


BODIES = [body("caf", "Caf du Val-d'Oise", "caf", main=True),
          body("caf-annexe", "Caf du Val-d'Oise - Annexe d'Esc-la-Ville", "caf"),
          body("ddets", "DDETS du Val-d'Oise", "ddets"),
          body("mairie", "Mairie d'Esc-la-Ville (ancienne)", "mairie", retired=True),
          body("national", "Service national d'essai", "esc_test_national", national=True)]
SERVED = [("caf", "caf", "95999"), ("caf-annexe", "caf", "95999"), ("ddets", "ddets", "95998"),
          ("mairie", "mairie", "95999")]
# The demo tree's ids (kb17 imports the same): the seeded escalations are on them.
SHEETS = [("N90200", "theme", None, "N90200"), ("N90220", "dossier", "N90200", "N90200"),
          ("F90221", "fiche", "N90220", "N90200"), ("N90400", "theme", None, "N90400"),
          ("N90410", "dossier", "N90400", "N90400"), ("F90411", "fiche", "N90410", "N90400")]


async def _run(url: str, *statements) -> list[str]:
    """Run the statements in one transaction; the ids the last one returns (the sheets this module inserted)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(statement)
            return list(result.scalars()) if result.returns_rows else []
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def directory(test_settings, seeded) -> Iterator[None]:
    sheets = [{"id": id, "kind": kind, "pub_type": kind.capitalize(), "title": id, "parent_id": parent,
               "theme_id": theme, "document": {}, "source_hash": "t"} for id, kind, parent, theme in SHEETS]
    ours = asyncio.run(_run(
        test_settings.sqlalchemy_url,
        insert(DirCommune).values(COMMUNES).on_conflict_do_nothing(),
        insert(DirBody).values(BODIES),
        insert(DirServed).values([{"body_id": f"test-esc-{b}", "pivot": p, "insee": i} for b, p, i in SERVED]),
        insert(KbSheet).values(sheets).on_conflict_do_nothing().returning(KbSheet.id)))
    yield
    asyncio.run(_run(test_settings.sqlalchemy_url, delete(DirBody).where(DirBody.id.like("test-esc-%")),
                     delete(DirCommune).where(DirCommune.insee.in_(["95999", "95998"])),
                     delete(KbSheet).where(KbSheet.id.in_(ours))))


@pytest.fixture
def agent(running_service, directory) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.AGENT),
                      timeout=20) as client:
        yield client


def test_a_sheet_with_an_outside_body_resolved_for_the_commune(agent):
    reply = agent.get("/api/knowledge/escalation", params={"sheet": "F90411", "commune": "95999"})
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["commune"]["insee"] == "95999" and data["commune"]["name"] == "Esc-la-Ville"
    escalation = data["escalation"]
    assert (escalation["target"], escalation["pivot"], escalation["pivot_label"], escalation["source_id"]) == (
        "body", "caf", "la Caf", "F90411")
    assert escalation["body"]["id"] == "test-esc-caf"  # the main office, not the annex
    assert escalation["body"]["address"] == "1 rue de l'Exemple, 95990 Esc-la-Ville"
    assert {"open_now", "opening_status", "phones", "hours"} <= set(escalation["body"])  # as the directory shows it
    assert escalation["resolved_by"] == "commune" and escalation["reason"] is None


def test_the_theme_escalation_through_the_ancestry_is_a_sector(agent):
    escalation = agent.get("/api/knowledge/escalation", params={"sheet": "F90221"}).json()["escalation"]
    assert escalation == {"target": "sector", "sector": "travail", "sector_label": "Droit du travail",
                          "pivot": None, "pivot_label": None, "source_id": "N90200", "body": None,
                          "resolved_by": None, "reason": None,
                          "instruction": "Transférer au pôle Droit du travail si la question porte sur un cas "
                                         "particulier"}


def test_no_escalation_and_a_bad_sheet_id(agent):
    assert agent.get("/api/knowledge/escalation", params={"sheet": "F99999"}).json() == {
        "sheet": "F99999", "commune": None, "escalation": None}
    bad = agent.get("/api/knowledge/escalation", params={"sheet": "carte"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "« carte » n'est pas un identifiant de fiche (par exemple F1234 ou N19806)"


def test_local_office_commune_department_national_and_none(agent):
    by_name = agent.get("/api/directory/local", params={"pivot": "caf", "commune": "Esc-la-Ville"}).json()
    assert (by_name["office"]["id"], by_name["resolved_by"], by_name["pivot_label"]) == ("test-esc-caf", "commune",
                                                                                         "la Caf")
    near = agent.get("/api/directory/local", params={"pivot": "ddets", "commune": "95999"}).json()
    assert (near["office"]["id"], near["resolved_by"]) == ("test-esc-ddets", "department")
    assert near["reason"] == ("L'inspection du travail (DDETS) : aucun organisme ne dessert Esc-la-Ville (95999) "
                              "dans l'annuaire ; voici celui du département (95)")
    far = agent.get("/api/directory/local", params={"pivot": "esc_test_national", "commune": "95999"}).json()
    assert (far["office"]["id"], far["resolved_by"]) == ("test-esc-national", "national")
    none = agent.get("/api/directory/local", params={"pivot": "mairie", "commune": "95999"}).json()
    assert none["office"] is None and none["resolved_by"] is None  # the only one is retired
    assert none["reason"] == ("La mairie : aucun organisme connu pour Esc-la-Ville (95999) ni dans son département : "
                              "orienter vers le site lannuaire.service-public.fr")
    bad = agent.get("/api/directory/local", params={"pivot": "Caf!"})
    assert bad.status_code == 422 and "n'est pas un code pivot" in bad.json()["detail"]


def test_lookups_are_counted_by_how_they_were_resolved(agent, running_service):
    agent.get("/api/directory/local", params={"pivot": "mairie", "commune": "95999"})
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS)) as ops:
        metrics = ops.get("/metrics").text
    assert re.search(r'^allo_local_offices_total\{resolved_by="none"\} [1-9]', metrics, re.M), metrics[:2000]


@pytest.mark.parametrize(("sheet", "commune", "body", "resolved_by"), [
    ("F90611", "Metz", "Caisse d'allocations familiales (Caf) de la Moselle", "commune"),  # the dossier's: caf
    ("F90631", "Sainte-Aurélie-des-Causses", "Agence départementale d'information sur le logement", "commune"),
    ("F90631", "69383", "Agence départementale d'information sur le logement", "department"),  # Lyon 3e
    ("F90411", "Bordeaux", "Caisse nationale des allocations familiales", "national"),  # not in the directory
])
def test_on_the_demo_directory(agent, sheet, commune, body, resolved_by):
    """The seeded escalation sheets resolve on the demo directory `allo setup` loads (allo/directory/demo)."""
    escalation = agent.get("/api/knowledge/escalation", params={"sheet": sheet, "commune": commune}).json()[
        "escalation"]
    assert escalation["body"]["name"].startswith(body) and escalation["resolved_by"] == resolved_by, escalation
    if commune == "Bordeaux":
        assert escalation["reason"] == ("Commune « Bordeaux » introuvable dans l'annuaire. La Caf : sans la commune "
                                        "de l'appelant ; voici le service national")


def test_search_results_and_a_sheet_carry_their_escalation(agent):
    results = agent.get("/api/knowledge/search", params={"q": "rupture conventionnelle"}).json()["results"]
    hit = next(r for r in results if r["id"] == "F90213")
    assert (hit["escalation"]["target"], hit["escalation"]["pivot"], hit["escalation"]["source_id"]) == (
        "body", "ddets", "F90213")
    sheet = agent.get("/api/knowledge/fiches/F90212").json()
    assert (sheet["escalation"]["sector_label"], sheet["escalation"]["source_id"]) == ("Droit du travail", "N90200")


def test_in_the_openapi_and_not_for_anonymous_callers(running_service):
    paths = httpx.get(f"{running_service.base_url}/openapi.json", timeout=10).json()["paths"]
    assert "/api/knowledge/escalation" in paths and "/api/directory/local" in paths
    reply = httpx.get(f"{running_service.base_url}/api/directory/local", params={"pivot": "caf"}, timeout=10)
    assert reply.status_code == 401
