"""Published rules versions: the history, the current one, and publishing a document to the live tables.

Every writer takes one advisory lock for its transaction, so two publications (or a publication and the
recording of a change made outside the editor) never interleave; drafts check `based_on` against the latest
version under that lock (optimistic concurrency).
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.admin_models import RulesVersion
from allo.db.rules_models import RulesMeta
from allo.rules.document import RulesDocument
from allo.rules.tables import document_from_tables, write_tables

LOCK_KEY = 0x616C6C6F_72756C65  # "allorule"
SEED_AUTHOR = "seed"
OUTSIDE_AUTHOR = "outside-editor"


async def lock(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


async def latest_version(session: AsyncSession) -> RulesVersion | None:
    return await session.scalar(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(1))


async def _meta_version(session: AsyncSession) -> int:
    return int(await session.scalar(select(RulesMeta.version).where(RulesMeta.id == 1)) or 0)


async def current_version(session: AsyncSession) -> RulesVersion:
    """The latest version, under the lock. The seeded rules become version 1; a change made to the tables
    outside the editor (`allo codes rotate`, a new prompt in the catalogue) is recorded as a version of its own,
    so the history stays true and drafts made before it are stale."""
    await lock(session)
    latest = await latest_version(session)
    live = await document_from_tables(session)
    if latest is not None and RulesDocument.model_validate(latest.document) == live:
        return latest
    row = RulesVersion(document=live.to_json(), published_by=SEED_AUTHOR if latest is None else OUTSIDE_AUTHOR,
                       comment="règles initiales" if latest is None else "modifié hors de l'éditeur de règles",
                       rules_version=await _meta_version(session))
    session.add(row)
    await session.flush()
    await session.refresh(row)  # published_at comes from the server
    return row


async def publish_document(session: AsyncSession, doc: RulesDocument, author: str, comment: str,
                           rollback_of: int | None = None) -> RulesVersion:
    """Write `doc` to the tables and record it (the caller holds the lock and commits). The version keeps what
    the tables say afterwards, with the row ids of new access codes."""
    await write_tables(session, doc)
    stored = await document_from_tables(session)
    row = RulesVersion(document=stored.to_json(), published_by=author, comment=comment, rollback_of=rollback_of,
                       rules_version=await _meta_version(session))
    session.add(row)
    await session.flush()
    await session.refresh(row)  # published_at comes from the server
    return row


def version_summary(row: RulesVersion) -> dict[str, object]:
    return {"id": row.id, "published_by": row.published_by, "published_at": row.published_at.isoformat(),
            "comment": row.comment, "rollback_of": row.rollback_of, "rules_version": row.rules_version}


async def list_versions(session: AsyncSession, limit: int = 200) -> list[RulesVersion]:
    await current_version(session)
    await session.commit()
    return list(await session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(limit)))


async def get_version(session: AsyncSession, version_id: int) -> RulesVersion | None:
    return await session.get(RulesVersion, version_id)
