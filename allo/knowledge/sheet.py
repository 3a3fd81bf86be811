"""An answer sheet as parsed from the DILA XML ("fiche", theme, dossier): what the import stores in `kb_sheets`.

The `document` is plain JSON (its shape is in docs/knowledge.md); everything else is a column of its own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class SheetKind(StrEnum):
    THEME = "theme"
    DOSSIER = "dossier"
    FICHE = "fiche"
    QUESTION = "question"
    HOW_TO = "how_to"
    OTHER = "other"

    @classmethod
    def of(cls, pub_type: str) -> SheetKind:
        """Publication/@type → kind; the list of types is not closed (an unseen one is `other`)."""
        folded = pub_type.casefold()
        if folded in ("theme", "thème"):
            return cls.THEME
        if folded == "dossier":
            return cls.DOSSIER
        if folded.startswith("fiche question"):
            return cls.QUESTION
        if folded.startswith("fiche comment faire"):
            return cls.HOW_TO
        if folded.startswith("fiche"):
            return cls.FICHE
        return cls.OTHER


# What a search returns by default: the sheets an adviser reads out; themes and dossiers rank below them.
ANSWER_KINDS = (SheetKind.FICHE, SheetKind.QUESTION, SheetKind.HOW_TO)


class SheetError(ValueError):
    """A file that is not a readable answer sheet: its name, line and a French / English message."""

    def __init__(self, name: str, line: int | None, message: str) -> None:
        self.name = name
        self.line = line
        self.message = message
        super().__init__(f"{name}:{line or 0}: {message}")


@dataclass(frozen=True)
class Sheet:
    id: str
    kind: SheetKind
    pub_type: str
    title: str
    summary: str = ""
    subject: str = ""
    audiences: list[str] = field(default_factory=list)
    parent_id: str | None = None
    theme_id: str | None = None
    breadcrumb: list[dict[str, str]] = field(default_factory=list)
    sp_url: str = ""
    modified_on: date | None = None
    important_change_at: datetime | None = None
    document: dict[str, Any] = field(default_factory=dict)
    body_text: str = ""
    pivots: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    unknown_elements: dict[str, int] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The `kb_sheets` columns it fills, with `source_hash` (sha256 of the record: equal when unchanged)."""
        values = asdict(self)
        values["kind"] = str(self.kind)
        canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
        values["source_hash"] = hashlib.sha256(canonical.encode()).hexdigest()
        return values
