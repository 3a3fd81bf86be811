"""What the sheet page shows, computed from a stored sheet (the row of `GET /api/knowledge/fiches/{id}`): French
dates and labels, the escalation banner's words, and the document with a unique id on every block the page links
to (case tabs, their panels). Pure: a dict in, values out; the Jinja macros (knowledge_macros.html) draw it."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from allo.directory.pivots import label as pivot_label
from allo.knowledge.escalation import Target

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")
KINDS = {"fiche": "Fiche pratique", "question": "Question-réponse", "how_to": "Comment faire si…",
         "theme": "Thème", "dossier": "Dossier", "sous-dossier": "Sous-dossier", "sous-theme": "Sous-thème",
         "other": "Page"}
CALLOUTS = {"ANoter": "À noter", "ASavoir": "À savoir", "Attention": "Attention", "Rappel": "Rappel",
            "Exemple": "Exemple"}
WHERE_ROLES = {"ousadresser": "Où s'adresser", "quipeutmaider": "Qui peut m'aider"}
SHEET_ID = re.compile(r"^[FN]\d+(-\d+)?$")  # R… are resources (glossary, where-blocks), not pages


@dataclass(frozen=True)
class Banner:
    """The escalation banner: « À transférer : Droit du travail » or « Orienter vers : la Caf »."""

    kind: Target
    headline: str
    instruction: str
    source_id: str


def french_date(value: Any) -> str:
    """« 12 mars 2026 » from a date, a datetime or an ISO string; "" when absent or unreadable."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTHS[value.month - 1]} {value.year}"


def banner(escalation: dict[str, Any] | None) -> Banner | None:
    if not escalation:
        return None
    instruction = str(escalation.get("instruction") or "")
    source = str(escalation.get("source_id") or "")
    if escalation.get("target") == "sector":
        label = escalation.get("sector_label") or escalation.get("sector") or ""
        return Banner(Target.SECTOR, f"À transférer : {label}", instruction, source)
    pivot = str(escalation.get("pivot") or "")
    label = escalation.get("pivot_label") or pivot_label(pivot)
    return Banner(Target.BODY, f"Orienter vers : {label}", instruction, source)


def _number(blocks: list[Any], prefix: str, counter: list[int]) -> None:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("t") == "cases":
            counter[0] += 1
            block["uid"] = f"{prefix}{counter[0]}"
            for case in block.get("cases", []):
                _number(case.get("c", []), prefix, counter)
        elif block.get("t") == "list":
            for item in block.get("items", []):
                _number(item, prefix, counter)
        elif block.get("t") == "table":
            for row in block.get("rows", []):
                for cell in row.get("cells", []):
                    _number(cell, prefix, counter)
        else:
            _number(block.get("c", []) if isinstance(block.get("c"), list) else [], prefix, counter)


def prepared(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document with every part present (empty when absent) and ids on its case groups."""
    shown: dict[str, Any] = copy.deepcopy(document or {})
    for key in ("intro", "blocks", "where", "services", "references", "see_also", "questions", "warnings",
                "children"):
        shown.setdefault(key, [])
    for key in ("definitions", "abbreviations"):
        shown.setdefault(key, {})
    counter = [0]
    for part in ("intro", "blocks"):
        _number(shown[part], "cases-", counter)
    for warning in shown["warnings"]:
        _number(warning.get("blocks", []), "cases-", counter)
    for definition in shown["definitions"].values():
        _number(definition.get("blocks", []), "cases-", counter)
    return shown


def is_sheet_id(text: Any) -> bool:
    return bool(SHEET_ID.match(str(text)))


def crumbs(breadcrumb: list[Any], sheet_id: str) -> list[dict[str, Any]]:
    """The breadcrumb without the sheet itself; a link only to what is a sheet (the audience's home is not)."""
    shown = []
    for crumb in breadcrumb:
        if not isinstance(crumb, dict) or crumb.get("id") == sheet_id:
            continue
        ident = str(crumb.get("id") or "")
        shown.append({"title": crumb.get("title") or ident, "id": ident if is_sheet_id(ident) else None})
    return shown


def sheet_view(sheet: dict[str, Any]) -> dict[str, Any]:
    """Everything the sheet template needs, from the API's sheet row."""
    document = prepared(sheet.get("document") or {})
    audiences = sheet.get("audience") or sheet.get("audiences") or []
    retired = sheet.get("retired_at") or sheet.get("retired")
    local_pivots = [block.get("pivot") for block in (sheet.get("document") or {}).get("where", [])
                    if isinstance(block, dict) and block.get("kind") == "local" and block.get("pivot")]
    return {
        "id": sheet.get("id", ""),
        "title": sheet.get("title", ""),
        "summary": sheet.get("summary", ""),
        "kind": KINDS.get(str(sheet.get("kind", "")), str(sheet.get("kind", "")).capitalize()),
        "audiences": list(audiences),
        "modified": french_date(sheet.get("modified_on")),
        "retired": bool(retired),
        "retired_on": french_date(retired) if not isinstance(retired, bool) else "",
        "breadcrumb": crumbs(sheet.get("breadcrumb") or [], str(sheet.get("id", ""))),
        "sp_url": sheet.get("sp_url") or "",
        "banner": banner(sheet.get("escalation")),
        "refs": {"missing": set(sheet.get("links_missing") or []),
                 "glossary": set(document["definitions"]) | set(document["abbreviations"])},
        "document": document,
        "local_pivots": list(dict.fromkeys(local_pivots)),
    }
