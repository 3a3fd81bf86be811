"""The satisfaction survey off for the bench stack and the end-to-end tests, published like an ops edit.

The survey is sampled by call id (1 call in 5 by default): a sampled call hears the announcement and stays for the
survey when its adviser hangs up first, so bench calls and other tests' calls would last longer at random (the
bench's figures are of the call path without it). tests/e2e/survey_kit.py turns it on for the survey's own tests.
Published through the rules editor (not written into the table) so that the tables and the published version
agree: a later publish or roll-back keeps it off.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from allo.auth.roles import AuthMethod, Principal, Role
from allo.rules import editor
from allo.rules.document import RulesDocument
from allo.rules.edits import parse_edit
from allo.rules.versions import current_version
from allo.settings import Settings

BENCH = Principal(user_id=9019, username="bench-survey-off", role=Role.OPS, method=AuthMethod.BEARER)


async def publish_survey_off(settings: Settings) -> None:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            latest = await current_version(db)
            await db.commit()
            survey = RulesDocument.model_validate(latest.document).survey
            if not survey.enabled:
                return
            await editor.discard_draft(db, BENCH)
            await editor.apply_edit(db, BENCH, parse_edit({"op": "set_survey", "enabled": False,
                                                          "one_in": survey.one_in}))
        async with AsyncSession(engine, expire_on_commit=False) as db:
            await editor.publish(db, BENCH, "bench et tests : enquête de satisfaction désactivée")
    finally:
        await engine.dispose()
