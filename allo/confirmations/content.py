"""What a confirmation says: the sheets and bodies the adviser named, read now and kept as a snapshot of public data
(the `content` column), so the mail can be composed again after a restart, whatever the imports do meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import DirBody, KbSheet
from allo.directory.hours import describe
from allo.directory.records import hours_from_json

MAX_ITEMS = 20  # sheets, and bodies, in one mail: a confirmation, not a catalogue
SP_FALLBACK = "https://www.service-public.fr/particuliers/vosdroits/{id}"  # a sheet imported without its spUrl


class ContentInvalid(ValueError):
    """The desk asked for nothing, too much, or ids allo does not know (`message` is French, for a 422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sheet_link(sheet_id: str, sp_url: str) -> str:
    return sp_url if sp_url.startswith(("https://", "http://")) else SP_FALLBACK.format(id=sheet_id)


def body_address(addresses: Sequence[dict[str, Any]]) -> str:
    """The physical address on one line (the postal one when no physical one is published)."""
    chosen = next((a for a in addresses if a.get("kind") == "physical"), addresses[0] if addresses else None)
    if chosen is None:
        return ""
    parts = [chosen.get("complement1", ""), chosen.get("complement2", ""), chosen.get("street", ""),
             chosen.get("distribution", ""), f"{chosen.get('postal_code', '')} {chosen.get('commune', '')}"]
    return ", ".join(str(p).strip() for p in parts if p and str(p).strip())


def phone_lines(phones: Sequence[dict[str, Any]]) -> list[str]:
    return [f"{p.get('number', '')}" + (f" ({p['description']})" if p.get("description") else "")
            for p in phones if p.get("number")]


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


async def build_content(session: AsyncSession, sheet_ids: Sequence[str], body_ids: Sequence[str]) -> dict[str, Any]:
    """{"sheets": [{id, title, summary, url}], "bodies": [{id, name, address, hours, hours_comment, phones}]}, in
    the order the desk gave; ContentInvalid for no item, too many, or an unknown id (named in the message)."""
    sheets_asked, bodies_asked = _unique(sheet_ids), _unique(body_ids)
    if not sheets_asked and not bodies_asked:
        raise ContentInvalid("Choisissez au moins une fiche ou un organisme à envoyer.")
    if len(sheets_asked) > MAX_ITEMS or len(bodies_asked) > MAX_ITEMS:
        raise ContentInvalid(f"Pas plus de {MAX_ITEMS} fiches et {MAX_ITEMS} organismes dans une confirmation.")
    sheets = {s.id: s for s in (await session.scalars(select(KbSheet).where(KbSheet.id.in_(sheets_asked)))).all()}
    bodies = {b.id: b for b in (await session.scalars(select(DirBody).where(DirBody.id.in_(bodies_asked)))).all()}
    unknown_sheets = [i for i in sheets_asked if i not in sheets]
    if unknown_sheets:
        raise ContentInvalid(f"Fiche inconnue : {', '.join(unknown_sheets)}.")
    unknown_bodies = [i for i in bodies_asked if i not in bodies]
    if unknown_bodies:
        raise ContentInvalid(f"Organisme inconnu : {', '.join(unknown_bodies)}.")
    return {
        "sheets": [{"id": s.id, "title": s.title, "summary": s.summary, "url": sheet_link(s.id, s.sp_url)}
                   for s in (sheets[i] for i in sheets_asked)],
        "bodies": [{"id": b.id, "name": b.name, "address": body_address(b.addresses),
                    "hours": describe(hours_from_json(b.hours)), "hours_comment": b.hours_comment,
                    "phones": phone_lines(b.phones)}
                   for b in (bodies[i] for i in bodies_asked)],
    }
