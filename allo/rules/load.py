"""Read every rules table at once (one transaction) into an immutable RulesSnapshot.

The tables are read by one function only (`document_from_tables`, also what the editor versions), so what
calls run on and what ops see and publish cannot drift apart.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.after_call_models import SurveySettingsRow
from allo.db.rules_models import RulesMeta
from allo.rules.document import to_snapshot
from allo.rules.tables import document_from_tables
from routing.rules import RulesSnapshot
from routing.survey import Survey


async def load_rules(session: AsyncSession) -> RulesSnapshot:
    """Consistent snapshot: REPEATABLE READ so that a concurrent publish is seen whole or not at all."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    version = await session.scalar(select(RulesMeta.version).where(RulesMeta.id == 1)) or 0
    snapshot = to_snapshot(await document_from_tables(session), int(version))
    # The survey's share, read here for calls (the editor's read/write of it is in tables.py): no row, the defaults.
    row = await session.get(SurveySettingsRow, 1)
    if row is not None:
        snapshot = replace(snapshot, survey=Survey(row.enabled, row.one_in))
    return snapshot
