"""Escalation sheets through the rules editor against the real PostgreSQL: seeded, edited in a draft, published to
kb_escalations (the rules version moves), audited, undone and restored by rollbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.db.admin_models import AuditEntry, RulesVersion
from allo.db.knowledge_models import KbEscalation
from allo.db.rules_models import RulesMeta
from allo.db.rules_seed import ESCALATIONS
from allo.rules import editor
from allo.rules.edits import RulesEditError, parse_edit
from allo.rules.versions import current_version

pytestmark = pytest.mark.integration

CAROL = Principal(user_id=9003, username="it-ops-carol", role=Role.OPS, method=AuthMethod.BEARER)
SET_F90111 = {"op": "set_escalation", "target_id": "F90111", "pivot": "mairie",
              "instruction": "Orienter vers la mairie du domicile pour le dépôt du dossier"}


@pytest.fixture
async def engine(test_settings, seeded) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(test_settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


def session(engine: AsyncEngine) -> AsyncSession:
    return AsyncSession(engine, expire_on_commit=False)


@pytest.fixture
async def start(engine) -> AsyncIterator[RulesVersion]:
    async with session(engine) as db:
        before = await current_version(db)
        await db.commit()
    yield before
    async with session(engine) as db:
        await editor.discard_draft(db, CAROL)
        latest = await current_version(db)
        await db.commit()
        if not editor.same(latest.document, before.document):
            await editor.rollback(db, CAROL, before.id, "test clean-up")


async def table(engine: AsyncEngine) -> dict[str, tuple[str | None, str | None, str]]:
    async with session(engine) as db:
        return {e.target_id: (e.sector, e.pivot, e.instruction) for e in await db.scalars(select(KbEscalation))}


async def edit_and_publish(engine: AsyncEngine, *edits: dict[str, object]) -> RulesVersion:
    async with session(engine) as db:
        for body in edits:
            await editor.apply_edit(db, CAROL, parse_edit(body))
    async with session(engine) as db:
        return await editor.publish(db, CAROL, "fiches de remontée")


async def test_the_seeded_escalations_are_in_the_current_version(engine, start):
    assert await table(engine) == {target: (sector, pivot, instruction)
                                   for target, sector, pivot, instruction in ESCALATIONS}
    assert start.document["escalations"]["N90200"]["sector"] == "travail"


async def test_publish_writes_the_table_audits_and_a_rollback_restores_it(engine, start):
    async with session(engine) as db:
        rules_version = await db.scalar(select(RulesMeta.version))
    published = await edit_and_publish(engine, SET_F90111, {"op": "remove_escalation", "target_id": "N90610"})
    rows = await table(engine)
    assert rows["F90111"] == (None, "mairie", SET_F90111["instruction"]) and "N90610" not in rows
    assert published.document["escalations"]["F90111"] == {"sector": None, "pivot": "mairie",
                                                            "instruction": SET_F90111["instruction"]}
    async with session(engine) as db:
        assert (await db.scalar(select(RulesMeta.version)) or 0) > (rules_version or 0)  # the trigger fired
        entries = [(e.action, e.target, e.detail) for e in await db.scalars(
            select(AuditEntry).where(AuditEntry.actor == CAROL.username, AuditEntry.id > 0)
            .order_by(AuditEntry.id.desc()).limit(3))]
    assert entries[0][:2] == ("rules.publish", f"version {published.id}")
    assert [(action, target) for action, target, _ in entries[1:]] == [("rules.edit", "remove_escalation"),
                                                                       ("rules.edit", "set_escalation")]
    assert entries[2][2]["edit"]["target_id"] == "F90111"

    async with session(engine) as db:
        back = await editor.rollback(db, CAROL, start.id, "retour")
    rows = await table(engine)
    assert "F90111" not in rows and rows["N90610"][1] == "caf" and back.rollback_of == start.id
    async with session(engine) as db:
        await editor.rollback(db, CAROL, published.id, "de nouveau")
    assert (await table(engine))["F90111"][1] == "mairie"


async def test_a_refused_edit_changes_nothing_and_an_unknown_pivot_is_only_a_warning(engine, start):
    async with session(engine) as db:
        with pytest.raises(RulesEditError) as caught:
            await editor.apply_edit(db, CAROL, parse_edit({**SET_F90111, "sector": "sante", "pivot": None}))
    assert [p.message for p in caught.value.problems] == [
        "Fiche de remontée F90111 : le secteur sante n'existe pas (secteurs existants : consommation, fiscalite, "
        "interieur, justice, logement, travail)"]
    async with session(engine) as db:
        result = await editor.apply_edit(db, CAROL, parse_edit({**SET_F90111, "pivot": "guichet_unique_x"}))
    assert result.draft.problems == []
    assert [w.message for w in result.draft.warnings if w.path.startswith("escalations.")] == [
        "Fiche de remontée F90111 : le code pivot « guichet_unique_x » n'est pas dans la liste connue "
        "(allo/directory/pivots.py) ; vérifiez qu'il existe dans l'annuaire"]
