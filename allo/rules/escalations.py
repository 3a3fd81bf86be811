"""The escalation sheets' own rules (pure): their checks, and applying their edits to a document.

An escalation sheet says who takes the questions of a theme, dossier or sheet of the knowledge base: a level-2
sector of this rules document, or an outside body named by its pivot code (resolved to the body serving the
caller's commune by allo.directory.local_office). They are part of the rules document because they name its
sectors: a sector renamed or removed is checked against them in the same draft (docs/decisions.md).
Checks return (path, French message) pairs; allo.rules.validate makes them Problems.
"""

from __future__ import annotations

import re

from allo.directory import pivots
from allo.rules.document import EscalationDoc, RulesDocument

TARGET_ID = re.compile(r"^[FNR]\d+(-\d+)?$")
PIVOT_CODE = re.compile(r"^[a-z_]+$")
MIN_CHARS = 5
MAX_CHARS = 160  # one line of the adviser's banner


def normalised(instruction: str) -> str:
    """One line: runs of spaces and line breaks become one space."""
    return " ".join(instruction.split())


def escalation_problems(doc: RulesDocument) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for target, escalation in doc.escalations.items():
        path = f"escalations.{target}"
        if not TARGET_ID.fullmatch(target):
            problems.append((path, f"Fiche de remontée « {target} » : l'identifiant doit être celui d'un thème, "
                                   "d'un dossier ou d'une fiche (par exemple N19806 ou F1234)"))
        problems.extend((path, f"Fiche de remontée {target} : {message}")
                        for message in _target_problems(doc, escalation))
        problems.extend((path, f"Fiche de remontée {target} : {message}")
                        for message in _instruction_problems(escalation.instruction))
    return problems


def _target_problems(doc: RulesDocument, escalation: EscalationDoc) -> list[str]:
    if (escalation.sector is None) == (escalation.pivot is None):
        return ["indiquez soit un secteur du niveau 2, soit un organisme extérieur (code pivot), et un seul"]
    if escalation.sector is not None and escalation.sector not in doc.sectors:
        return [f"le secteur {escalation.sector} n'existe pas (secteurs existants : {', '.join(sorted(doc.sectors))})"]
    if escalation.pivot is not None and not PIVOT_CODE.fullmatch(escalation.pivot):
        return [f"le code pivot « {escalation.pivot} » ne peut contenir que des lettres minuscules sans accent et _"]
    return []


def _instruction_problems(instruction: str) -> list[str]:
    if "\n" in instruction or "\r" in instruction:
        return ["la consigne tient sur une seule ligne"]
    text = instruction.strip()
    if len(text) < MIN_CHARS:
        return [f"la consigne est trop courte ({MIN_CHARS} caractères au moins)"]
    if len(text) > MAX_CHARS:
        return [f"la consigne fait {len(text)} caractères : {MAX_CHARS} au plus (une ligne du bandeau du conseiller)"]
    return []


def escalation_warnings(doc: RulesDocument) -> list[tuple[str, str]]:
    """Shown, never blocking: a pivot code the directory's label table does not know (the archive grows)."""
    return [(f"escalations.{target}", f"Fiche de remontée {target} : le code pivot « {e.pivot} » n'est pas dans "
                                      "la liste connue (allo/directory/pivots.py) ; vérifiez qu'il existe dans "
                                      "l'annuaire")
            for target, e in doc.escalations.items()
            if e.pivot is not None and PIVOT_CODE.fullmatch(e.pivot) and not pivots.known(e.pivot)]


def set_escalation(doc: RulesDocument, target: str, sector: str | None, pivot: str | None,
                   instruction: str) -> None:
    """In place; an existing sheet for the same target is replaced."""
    doc.escalations[target.strip()] = EscalationDoc(sector=sector or None, pivot=pivot or None,
                                                    instruction=normalised(instruction))
    doc.escalations = dict(sorted(doc.escalations.items()))
