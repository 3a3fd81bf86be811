"""Procedure flags (« signaler une difficulté ») against the running service and PostgreSQL: French refusals,
grouping by sheet or procedure with counts, the status filter, CSV, the status change by ops, the audit rows."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine

from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry
from allo.db.desk_models import ProcedureFlag
from allo.db.knowledge_models import KbSheet

pytestmark = pytest.mark.integration

SHEET = "F97001"  # invented: not in the demo knowledge base


async def _run(url: str, *statements) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(statement)
            return list(result.all()) if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def sheet(test_settings, seeded) -> Iterator[str]:
    asyncio.run(_run(test_settings.sqlalchemy_url, insert(KbSheet).values(
        id=SHEET, kind="fiche", pub_type="Fiche", title="Carte grise : changement d'adresse", document={},
        source_hash="t").on_conflict_do_nothing()))
    yield SHEET
    asyncio.run(_run(test_settings.sqlalchemy_url, delete(ProcedureFlag).where(ProcedureFlag.sheet_id == SHEET),
                     delete(ProcedureFlag).where(ProcedureFlag.procedure.like("Démarche d'essai%")),
                     delete(KbSheet).where(KbSheet.id == SHEET)))


def client(service, role: Role) -> httpx.Client:
    return httpx.Client(base_url=service.base_url, headers=service.headers(role), timeout=10)


def test_bad_flags_are_refused_in_french(running_service, sheet):
    with client(running_service, Role.AGENT) as agent:
        cases = [({"text": "Rien n'est clair"}, "Indiquez la fiche ou la démarche concernée."),
                 ({"sheet_id": sheet, "text": "  a "}, "Décrivez la difficulté en 3 à 1000 caractères."),
                 ({"sheet_id": "F00000", "text": "La fiche est fausse"},
                  "La fiche F00000 n'existe pas dans la base de connaissances.")]
        for body, detail in cases:
            reply = agent.post("/api/knowledge/flags", json=body)
            assert reply.status_code == 422, body
            assert reply.json()["detail"] == detail
        too_long = agent.post("/api/knowledge/flags", json={"sheet_id": sheet, "text": "x" * 1001})
        assert too_long.status_code == 422
        assert too_long.json()["detail"] == "Décrivez la difficulté en 3 à 1000 caractères."
        long_procedure = agent.post("/api/knowledge/flags", json={"procedure": "p" * 201, "text": "En panne"})
        assert long_procedure.json()["detail"] == "Le nom de la démarche ne doit pas dépasser 200 caractères."


def test_flags_grouped_by_sheet_and_procedure_then_seen_by_ops_and_audited(running_service, sheet, test_settings):
    tag = uuid.uuid4().hex[:6]
    procedure = f"Démarche d'essai {tag}"
    with client(running_service, Role.AGENT) as agent, client(running_service, Role.SUPERVISOR) as supervisor, \
            client(running_service, Role.OPS) as ops:
        first = agent.post("/api/knowledge/flags", json={"sheet_id": sheet, "text": f"Le lien est mort {tag}"})
        assert first.status_code == 201, first.text
        second = supervisor.post("/api/knowledge/flags",
                                 json={"sheet_id": sheet, "text": f"Délai faux {tag}", "call_id": "1700000000.9"})
        third = agent.post("/api/knowledge/flags",
                           json={"procedure": f"  {procedure} ", "text": "Téléservice en panne"})
        assert second.status_code == 201 and third.status_code == 201
        assert first.json()["author"] == running_service.credentials(Role.AGENT)[0]
        assert first.json()["status"] == "new" and third.json()["procedure"] == procedure

        groups = ops.get("/api/knowledge/flags").json()
        by_title = {g["title"]: g for g in groups}
        group = by_title["Carte grise : changement d'adresse"]
        assert (group["sheet_id"], group["count"], group["new"]) == (sheet, 2, 2)
        assert [f["id"] for f in group["flags"]] == [second.json()["id"], first.json()["id"]]  # newest first
        assert by_title[procedure]["procedure"] == procedure and by_title[procedure]["count"] == 1
        assert [g["title"] for g in groups].index(procedure) < [g["title"] for g in groups].index(group["title"])

        seen = ops.patch(f"/api/knowledge/flags/{first.json()['id']}", json={"status": "seen"})
        assert seen.status_code == 200, seen.text
        assert seen.json()["status"] == "seen" and seen.json()["updated_by"] == running_service.credentials(Role.OPS)[0]
        assert supervisor.patch(f"/api/knowledge/flags/{first.json()['id']}",
                                json={"status": "passed_on"}).status_code == 403
        assert ops.patch(f"/api/knowledge/flags/{first.json()['id']}", json={"status": "lost"}).status_code == 422
        missing = ops.patch("/api/knowledge/flags/999999999", json={"status": "seen"})
        assert missing.status_code == 404 and missing.json()["detail"] == "Ce signalement n'existe pas."

        new_only = {g["title"]: g for g in supervisor.get("/api/knowledge/flags", params={"status": "new"}).json()}
        assert [f["id"] for f in new_only[group["title"]]["flags"]] == [second.json()["id"]]
        seen_only = supervisor.get("/api/knowledge/flags", params={"status": "seen"}).json()
        assert first.json()["id"] in [f["id"] for g in seen_only for f in g["flags"]]

        exported = ops.get("/api/knowledge/flags.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        mine = {r["id"]: r for r in rows if r["id"] in {str(first.json()["id"]), str(third.json()["id"])}}
        assert mine[str(first.json()["id"])]["sheet_title"] == "Carte grise : changement d'adresse"
        assert mine[str(first.json()["id"])]["status"] == "seen"
        assert mine[str(third.json()["id"])]["procedure"] == procedure

    audited = asyncio.run(_run(test_settings.sqlalchemy_url, select(AuditEntry.action, AuditEntry.detail)
                               .where(AuditEntry.target == str(first.json()["id"]),
                                      AuditEntry.action.like("knowledge.flag.%")).order_by(AuditEntry.id)))
    assert audited == [("knowledge.flag.raise", {"sheet_id": sheet, "procedure": None}),
                       ("knowledge.flag.status", {"before": "new", "after": "seen"})]
