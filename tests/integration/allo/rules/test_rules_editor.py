"""The rules editor against the real PostgreSQL: drafts, publish, stale drafts, rollback, access codes, audit."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.db.admin_models import AuditEntry, RulesDraft, RulesVersion
from allo.db.rules_models import RulesMeta
from allo.db.rules_seed import SECTOR_DIGITS
from allo.rules import editor
from allo.rules.document import RulesDocument
from allo.rules.edits import RulesEditError, parse_edit
from allo.rules.load import load_rules
from allo.rules.tables import document_from_tables
from allo.rules.versions import current_version, list_versions
from ivr.simulate import simulate
from routing.rules import RulesSnapshot
from routing.service_hours import GENERAL_WEEKLY

pytestmark = pytest.mark.integration

MONDAY_10 = datetime(2026, 11, 23, 10, 0)
CLOSURE = {"op": "add_exception", "calendar": "general", "kind": "closure", "starts_on": "2026-11-23",
           "ends_on": "2026-11-23", "message_text": "Fermeture exceptionnelle pour inventaire"}
ALICE = Principal(user_id=9001, username="it-ops-alice", role=Role.OPS, method=AuthMethod.BEARER)
BOB = Principal(user_id=9002, username="it-ops-bob", role=Role.OPS, method=AuthMethod.BEARER)


@pytest.fixture
async def engine(test_settings, seeded) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(test_settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


def session(engine: AsyncEngine) -> AsyncSession:
    return AsyncSession(engine, expire_on_commit=False)


async def live_rules(engine: AsyncEngine) -> RulesSnapshot:
    async with session(engine) as db:
        return await load_rules(db)


async def live_document(engine: AsyncEngine) -> RulesDocument:
    async with session(engine) as db:
        return await document_from_tables(db)


@pytest.fixture
async def start(engine) -> AsyncIterator[RulesVersion]:
    """The version in force before the test; the test's drafts are discarded and its publications undone after."""
    async with session(engine) as db:
        before = await current_version(db)
        await db.commit()
    yield before
    async with session(engine) as db:
        for who in (ALICE, BOB):
            await editor.discard_draft(db, who)
        latest = await current_version(db)
        await db.commit()
        if not editor.same(latest.document, before.document):
            await editor.rollback(db, ALICE, before.id, "test clean-up")


async def test_calls_run_on_the_seeded_rules_and_version_one_is_them(engine, start):
    rules = await live_rules(engine)
    async with session(engine) as db:
        assert rules.version == await db.scalar(select(RulesMeta.version))
    assert {day: periods for day, periods in rules.calendars["general"].weekly.items()} == {
        day: tuple(periods) for day, periods in GENERAL_WEEKLY.items() if periods}
    assert {code: sector.queue for code, sector in rules.sectors.items()} == {
        sector: f"l2-{sector}" for sector in SECTOR_DIGITS.values()}
    main = rules.menus["main"].options
    assert {digit: option.action.value for digit, option in main.items()} == {
        "1": "queue", "2": "access_code", "3": "info_hangup", "4": "external_number", "5": "callback"}
    assert main["1"].queue == "l1" and rules.root_menu == "main"
    assert {option.sector for option in rules.menus["secteurs"].options.values()} == set(SECTOR_DIGITS.values())
    assert rules.access_codes and all(code.service == "specialist" for code in rules.access_codes)
    assert RulesDocument.model_validate(start.document) == await live_document(engine)


async def test_the_seeded_rules_are_version_one(engine, start):
    async with session(engine) as db:
        first = await db.scalar(select(RulesVersion).order_by(RulesVersion.id).limit(1))
    assert first is not None and first.id == 1 and first.published_by == "seed"


async def test_publish_changes_the_live_rules_and_rollback_restores_them_exactly(engine, start):
    before_doc = await live_document(engine)
    assert (await simulate(await live_rules(engine), MONDAY_10, ["1"]))["queue"] == "l1"
    async with session(engine) as db:
        result = await editor.apply_edit(db, ALICE, parse_edit(CLOSURE))
    assert result.draft.changed and result.draft.problems == []
    assert (await simulate(await live_rules(engine), MONDAY_10, ["1"]))["queue"] == "l1"  # draft only
    async with session(engine) as db:
        meta_before = await db.scalar(select(RulesMeta.version))
        version = await editor.publish(db, ALICE, "inventaire")
    rules = await live_rules(engine)
    assert rules.version > (meta_before or 0) and version.rules_version == rules.version
    closed = await simulate(rules, MONDAY_10, ["1"])
    assert (closed["outcome"], closed["closed_service"]) == ("closed", "general")
    async with session(engine) as db:
        assert await db.get(RulesDraft, ALICE.username) is None  # published drafts are gone
        back = await editor.rollback(db, BOB, start.id, "retour")
    assert back.rollback_of == start.id and back.id > version.id
    assert await live_document(engine) == before_doc
    assert (await simulate(await live_rules(engine), MONDAY_10, ["1"]))["queue"] == "l1"
    async with session(engine) as db:
        actions = [(e.actor, e.action) for e in await db.scalars(
            select(AuditEntry).where(AuditEntry.actor.in_([ALICE.username, BOB.username])).order_by(AuditEntry.id))]
        versions = [v.id for v in await list_versions(db)]
    assert actions[-3:] == [(ALICE.username, "rules.edit"), (ALICE.username, "rules.publish"),
                            (BOB.username, "rules.rollback")]
    assert versions[:3] == [back.id, version.id, start.id]


async def test_an_invalid_edit_changes_neither_the_draft_nor_the_live_rules(engine, start):
    async with session(engine) as db:
        draft = await editor.get_draft(db, ALICE)
    live = await live_document(engine)
    with pytest.raises(RulesEditError) as caught:
        async with session(engine) as db:
            await editor.apply_edit(db, ALICE, parse_edit({"op": "remove_menu_option", "menu": "secteurs",
                                                           "digit": "4"}))
    assert [p.message for p in caught.value.problems] == ["Le secteur justice n'est joignable depuis aucun menu"]
    with pytest.raises(RulesEditError,
                       match="Calendrier general, lundi : les plages 08:00-12:00 et 11:00-20:00 se chevauchent"):
        async with session(engine) as db:
            await editor.apply_edit(db, ALICE, parse_edit({"op": "set_weekly", "calendar": "general", "weekday": 0,
                                                           "periods": [{"opens": "08:00", "closes": "12:00"},
                                                                       {"opens": "11:00", "closes": "20:00"}]}))
    async with session(engine) as db:
        after = await editor.get_draft(db, ALICE)
    assert after.document == draft.document and not after.changed
    assert await live_document(engine) == live


async def test_a_stale_draft_is_refused(engine, start):
    async with session(engine) as db:
        await editor.apply_edit(db, ALICE, parse_edit(CLOSURE))
    async with session(engine) as db:
        await editor.apply_edit(db, BOB, parse_edit({"op": "set_queue", "name": "l1", "max_wait": 300}))
    async with session(engine) as db:
        published = await editor.publish(db, BOB, "l1 plus court")
    with pytest.raises(editor.StaleDraftError) as caught:
        async with session(engine) as db:
            await editor.publish(db, ALICE, "trop tard")
    assert caught.value.latest == published.id
    assert re.fullmatch(rf"La version {published.id} a été publiée par it-ops-bob le \d\d/\d\d/\d{{4}} à \d\d:\d\d "
                        r"après le début de votre brouillon \(parti de la version \d+\) : "
                        "abandonnez votre brouillon et refaites vos modifications", str(caught.value))
    live = await live_document(engine)
    assert live.queues["l1"].max_wait == 300 and live.calendars["general"].exceptions == []


async def test_publishing_an_unchanged_or_invalid_draft_is_refused(engine, start):
    with pytest.raises(RulesEditError, match="Rien à publier : votre brouillon est identique aux règles en service"):
        async with session(engine) as db:
            await editor.publish(db, ALICE, "rien")
    async with session(engine) as db:
        draft = await editor.get_draft(db, ALICE)
        row = await db.get(RulesDraft, ALICE.username)
        assert row is not None
        broken = draft.document.model_copy(deep=True)
        broken.menus["main"].options["1"].queue = "l2-foo"
        row.document = broken.to_json()
        await db.commit()
    with pytest.raises(RulesEditError, match="L'option 1 du menu main envoie vers la file inconnue l2-foo"):
        async with session(engine) as db:
            await editor.publish(db, ALICE, "cassé")
    assert await live_document(engine) == RulesDocument.model_validate(start.document)


async def test_a_rotated_code_works_only_once_published_and_the_old_one_until_then(engine, start, access_code):
    async with session(engine) as db:
        result = await editor.apply_edit(db, ALICE, parse_edit({"op": "rotate_code", "service": "specialist"}))
    new_code = result.plaintext_code
    assert new_code is not None and new_code != access_code
    async with session(engine) as db:
        stored = (await db.get(RulesDraft, ALICE.username)).document  # type: ignore[union-attr]
        audited = [e.detail for e in await db.scalars(select(AuditEntry).where(AuditEntry.actor == ALICE.username))]
    assert new_code not in str(stored) and new_code not in str(audited)
    live = await live_rules(engine)
    assert live.check_code(access_code, "specialist") and not live.check_code(new_code, "specialist")
    async with session(engine) as db:
        await editor.publish(db, ALICE, "nouveau code")
    live = await live_rules(engine)
    assert live.check_code(new_code, "specialist") and not live.check_code(access_code, "specialist")
    routed = await simulate(live, MONDAY_10, ["2", f"{new_code}#", "2"])
    assert routed["queue"] == "l2-travail"
    async with session(engine) as db:
        await editor.rollback(db, ALICE, start.id, "ancien code")
    live = await live_rules(engine)
    assert live.check_code(access_code, "specialist") and not live.check_code(new_code, "specialist")


async def test_an_unchanged_draft_follows_the_latest_version(engine, start):
    async with session(engine) as db:
        idle = await editor.get_draft(db, BOB)
        await editor.apply_edit(db, ALICE, parse_edit({"op": "set_queue", "name": "l1", "sl_target_pct": 85}))
    async with session(engine) as db:
        published = await editor.publish(db, ALICE, "objectif 85 %")
    async with session(engine) as db:
        moved = await editor.get_draft(db, BOB)
    assert idle.based_on == start.id and moved.based_on == published.id and not moved.changed
    assert moved.document.queues["l1"].sl_target_pct == 85


async def test_a_sector_moved_to_another_queue_and_back(engine, start, access_code):
    async with session(engine) as db:
        await editor.apply_edit(db, ALICE, parse_edit({"op": "set_sector", "code": "justice", "queue": "l1",
                                                       "label": "Justice (accueil général)"}))
        await editor.publish(db, ALICE, "justice au niveau 1")
    rules = await live_rules(engine)
    assert rules.sectors["justice"].queue == "l1" and rules.sectors["justice"].label == "Justice (accueil général)"
    assert (await simulate(rules, MONDAY_10, ["2", f"{access_code}#", "4"]))["queue"] == "l1"
    async with session(engine) as db:
        await editor.rollback(db, ALICE, start.id, "justice chez elle")
    assert await live_document(engine) == RulesDocument.model_validate(start.document)
    rules = await live_rules(engine)
    assert rules.sectors["justice"].queue == "l2-justice"
    assert (await simulate(rules, MONDAY_10, ["2", f"{access_code}#", "4"]))["queue"] == "l2-justice"


async def test_offer_at_entry_thresholds_are_validated_and_published_to_the_queues_table(engine, start):
    with pytest.raises(RulesEditError, match="File l1 : l'attente estimée qui déclenche l'offre à l'arrivée"):
        async with session(engine) as db:
            await editor.apply_edit(db, ALICE, parse_edit({"op": "set_queue", "name": "l1", "offer_at_wait_s": -1}))
    async with session(engine) as db:
        await editor.apply_edit(db, ALICE, parse_edit({"op": "set_queue", "name": "l1", "offer_at_waiting": 8,
                                                       "offer_at_wait_s": 600}))
    async with session(engine) as db:
        await editor.publish(db, ALICE, "offre à l'arrivée")
    live = await live_document(engine)
    assert (live.queues["l1"].offer_at_waiting, live.queues["l1"].offer_at_wait_s) == (8, 600)
    assert (live.queues["l2-justice"].offer_at_waiting, live.queues["l2-justice"].offer_at_wait_s) == (0, 0)
    async with session(engine) as db:
        await editor.rollback(db, ALICE, start.id, "retour")
