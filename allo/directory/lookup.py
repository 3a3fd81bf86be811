"""One body with what the search leaves out: its parents and children (the inverted hierarchy), the communes
each pivot serves, its retirement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from allo.directory.search import hit

MAX_SERVED = 500  # per pivot: a département-wide body serves hundreds of communes; the count says how many

_BODY = """
SELECT b.*, NULL AS tier FROM dir_bodies b WHERE b.id = :id
"""
_RELATED = "SELECT id, name, pivots, retired_at IS NOT NULL AS retired FROM dir_bodies WHERE "
_ORDER = " ORDER BY retired_at IS NOT NULL, name, id"
_PARENTS = _RELATED + "id = ANY(:ids)" + _ORDER
_CHILDREN = _RELATED + ":id = ANY(parent_ids)" + _ORDER


def _related(rows: Any) -> list[dict[str, Any]]:
    return [{"id": r.id, "name": r.name, "pivots": r.pivots, "retired": r.retired} for r in rows]


async def body_detail(session: AsyncSession, body_id: str, now: datetime) -> dict[str, Any] | None:
    row = (await session.execute(text(_BODY), {"id": body_id})).first()
    if row is None:
        return None
    parents = (await session.execute(text(_PARENTS), {"ids": list(row.parent_ids)})).all()
    children = (await session.execute(text(_CHILDREN), {"id": body_id})).all()
    served = (await session.execute(text(
        "SELECT pivot, count(*) AS n, (array_agg(insee ORDER BY insee))[1:CAST(:most AS int)] AS communes "
        "FROM dir_served WHERE body_id = :id GROUP BY pivot ORDER BY pivot"),
        {"id": body_id, "most": MAX_SERVED})).all()
    detail = hit(row, now, None)
    detail.update({
        "category": row.category, "org_type": row.org_type, "faxes": row.faxes, "contact_forms": row.contact_forms,
        "parents": _related(parents), "children": _related(children),
        "served": [{"pivot": s.pivot, "count": s.n, "communes": s.communes} for s in served],
        "modified_at": row.modified_at.isoformat() if row.modified_at else None,
        "updated_at": row.updated_at.isoformat(),
        "retired": row.retired_at is not None,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
    })
    return detail
