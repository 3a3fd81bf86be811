"""The survey's section against the real PostgreSQL: read from survey_settings (no row: the defaults), published
through a draft (the rules version bumps, calls load it), diffed, rolled back (also to a version older than the
survey), audited; a refused share changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.db.admin_models import AuditEntry, RulesVersion
from allo.db.after_call_models import SurveySettingsRow
from allo.db.rules_models import RulesMeta
from allo.rules import editor
from allo.rules.diff import diff
from allo.rules.document import RulesDocument, SurveyDoc
from allo.rules.edits import RulesEditError, parse_edit
from allo.rules.load import load_rules
from allo.rules.survey import SURVEY_PROMPT_NAMES
from allo.rules.tables import document_from_tables
from allo.rules.versions import current_version
from routing.survey import SURVEY_PROMPT_THANKS, Survey

pytestmark = pytest.mark.integration

CAROL = Principal(user_id=9011, username="it-ops-carol", role=Role.OPS, method=AuthMethod.BEARER)


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


async def test_the_seeded_section_and_no_row_means_the_defaults(engine, start):
    async with session(engine) as db:
        doc = await document_from_tables(db)
        assert doc.survey == SurveyDoc(enabled=True, one_in=5)
        assert all(doc.prompts[name].strip() for name in SURVEY_PROMPT_NAMES)
        assert RulesDocument.model_validate(start.document).survey == doc.survey
        await db.execute(delete(SurveySettingsRow))  # not committed
        assert (await document_from_tables(db)).survey == SurveyDoc()
        await db.rollback()


async def test_publish_then_rollback_the_share_and_a_prompt(engine, start):
    async with session(engine) as db:
        meta_before = await db.scalar(select(RulesMeta.version))
        await editor.apply_edit(db, CAROL, parse_edit({"op": "set_survey", "enabled": True, "one_in": 1}))
        result = await editor.apply_edit(db, CAROL, parse_edit({"op": "set_prompt_text", "name": SURVEY_PROMPT_THANKS,
                                                               "text": "Merci, au revoir."}))
    assert result.draft.problems == [] and result.draft.document.survey.one_in == 1
    async with session(engine) as db:
        assert (await db.get(SurveySettingsRow, 1)).one_in == 5  # type: ignore[union-attr]  # the draft only
        version = await editor.publish(db, CAROL, "enquête : tous les appels")
    async with session(engine) as db:
        row = await db.get(SurveySettingsRow, 1)
        assert row is not None and (row.enabled, row.one_in) == (True, 1)
    async with session(engine) as db:
        rules = await load_rules(db)
    assert rules.survey == Survey(True, 1) and rules.version > (meta_before or 0)
    assert rules.prompts[SURVEY_PROMPT_THANKS] == "Merci, au revoir."
    changes = {c.path: (c.before, c.after) for c in diff(RulesDocument.model_validate(start.document),
                                                         RulesDocument.model_validate(version.document))}
    assert changes["survey"] == ("Enquête de satisfaction : 1 appel sur 5", "Enquête de satisfaction : tous les appels")
    assert set(changes) == {"survey", f"prompts.{SURVEY_PROMPT_THANKS}"}

    async with session(engine) as db:
        await editor.rollback(db, CAROL, start.id, "retour")
        restored = await document_from_tables(db)
        audited = [(e.action, (e.detail or {}).get("edit", {}).get("op")) for e in await db.scalars(
            select(AuditEntry).where(AuditEntry.actor == CAROL.username).order_by(AuditEntry.id))]
    assert restored == RulesDocument.model_validate(start.document)
    assert audited[-4:] == [("rules.edit", "set_survey"), ("rules.edit", "set_prompt_text"), ("rules.publish", None),
                            ("rules.rollback", None)]


async def test_a_bad_share_or_a_blank_survey_prompt_changes_nothing(engine, start):
    refusals = {
        "Enquête de satisfaction : « 1 appel sur N » doit être entre 1 et 100, pas 0":
            {"op": "set_survey", "enabled": True, "one_in": 0},
        "L'enquête de satisfaction est activée mais le message enquete-annonce (annonce en début d'appel) n'a pas "
        "de texte": {"op": "set_prompt_text", "name": "enquete-annonce", "text": ""},
    }
    for message, edit in refusals.items():
        with pytest.raises(RulesEditError) as refused:
            async with session(engine) as db:
                await editor.apply_edit(db, CAROL, parse_edit(edit))
        assert message in [problem.message for problem in refused.value.problems]
    async with session(engine) as db:
        draft = await editor.get_draft(db, CAROL)
    assert not draft.changed and draft.document.survey == SurveyDoc()


async def test_rolling_back_to_a_version_older_than_the_survey(engine, start):
    """A version recorded before migration 0017: no section, none of the survey's prompts."""
    old = RulesDocument.model_validate(start.document).to_json()
    del old["survey"]
    for name in SURVEY_PROMPT_NAMES:
        del old["prompts"][name]
    async with session(engine) as db:
        await editor.apply_edit(db, CAROL, parse_edit({"op": "set_survey", "enabled": False, "one_in": 7}))
        await editor.publish(db, CAROL, "enquête arrêtée")
        ancient = RulesVersion(document=old, published_by="it-before-0017", comment="avant l'enquête")
        db.add(ancient)
        await db.commit()
        await editor.rollback(db, CAROL, ancient.id, "retour avant l'enquête")
        doc = await document_from_tables(db)
    assert doc.survey == SurveyDoc(enabled=True, one_in=5)  # the defaults of a version without the section
    assert all(doc.prompts[name].strip() for name in SURVEY_PROMPT_NAMES)  # kept: the catalogue's
