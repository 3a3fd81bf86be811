"""Read every rules table at once (one transaction) into an immutable RulesSnapshot.

The tables are read by one function only (`document_from_tables`, also what the editor versions), so what
calls run on and what ops see and publish cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.rules_models import RulesMeta
from allo.rules.document import to_snapshot
from allo.rules.tables import document_from_tables
from routing.rules import RulesSnapshot


async def load_rules(session: AsyncSession) -> RulesSnapshot:
    """Consistent snapshot: REPEATABLE READ so that a concurrent publish is seen whole or not at all."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    version = await session.scalar(select(RulesMeta.version).where(RulesMeta.id == 1)) or 0
    return to_snapshot(await document_from_tables(session), int(version))
