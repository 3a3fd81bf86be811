"""The body of an answer sheet, XML elements → the document's blocks and inlines (docs/knowledge.md).

`Body` walks elements once and collects on the way what the sheet's columns need: every "où s'adresser" and
online service in order, the pivot codes, the internal links and the unknown elements (counted per tag, kept as
text so nothing the DILA adds is lost).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from lxml import etree

Block = dict[str, Any]
Inline = str | dict[str, Any]

_SPACES = re.compile(r"\s+")
_SHEET_ID = re.compile(r"^[FN]\d+$")
INLINE_TAGS = {"MiseEnEvidence": "em", "Valeur": "val", "Expression": "expr", "Exposant": "sup"}
CALLOUTS = ("ANoter", "ASavoir", "Attention", "Rappel", "Exemple")
WHERE_TAGS = ("OuSAdresser", "QuiPeutMAider")
SERVICE_TAGS = ("ServiceEnLigne", "PourEnSavoirPlus")


def elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements only (comments and unresolved entities are not content)."""
    return [child for child in parent if isinstance(child.tag, str)]


def plain(element: etree._Element | None) -> str:
    """The element's text, spaces collapsed."""
    if element is None:
        return ""
    return _SPACES.sub(" ", "".join(str(piece) for piece in element.itertext())).strip()


def attr(element: etree._Element, name: str) -> str | None:
    """An attribute by name, whatever its case (`numerocerfa` vs `numeroCerfa` is not settled)."""
    folded = name.casefold()
    for key, value in element.attrib.items():
        if str(key).casefold() == folded:
            return str(value)
    return None


def _trim(inlines: list[Inline]) -> list[Inline]:
    """Drop leading / trailing blanks of a run of inlines (the XML's indentation)."""
    while inlines and isinstance(inlines[0], str) and not inlines[0].strip():
        inlines.pop(0)
    while inlines and isinstance(inlines[-1], str) and not inlines[-1].strip():
        inlines.pop()
    if inlines and isinstance(inlines[0], str):
        inlines[0] = inlines[0].lstrip()
    if inlines and isinstance(inlines[-1], str):
        inlines[-1] = inlines[-1].rstrip()
    return inlines


class Body:
    def __init__(self) -> None:
        self.where: list[Block] = []
        self.services: list[Block] = []
        self.pivots: list[str] = []
        self.links: list[str] = []
        self.unknown: Counter[str] = Counter()

    # Inline content ------------------------------------------------------------------------------------------

    def inlines(self, element: etree._Element) -> list[Inline]:
        """Mixed content of a `Paragraphe` (or any inline container)."""
        out: list[Inline] = []
        if element.text:
            out.append(_SPACES.sub(" ", element.text))
        for child in element:
            if isinstance(child.tag, str):
                node = self.inline(child)
                if isinstance(node, list):
                    out.extend(node)
                elif node is not None:
                    out.append(node)
            if child.tail:
                out.append(_SPACES.sub(" ", child.tail))
        return _trim(_merge(out))

    def inline(self, element: etree._Element) -> Inline | list[Inline] | None:
        tag = str(element.tag)
        if tag in INLINE_TAGS:
            return {"t": INLINE_TAGS[tag], "c": self.inlines(element)}
        if tag == "LienExterne":
            return {"t": "ext", "url": attr(element, "URL") or "", "c": self.inlines(element)}
        if tag == "LienInterne":
            ref = attr(element, "LienPublication") or ""
            if _SHEET_ID.match(ref) and ref not in self.links:
                self.links.append(ref)
            return {"t": "int", "ref": ref, "kind": attr(element, "type") or "",
                    "audience": attr(element, "audience") or "", "c": self.inlines(element)}
        if tag == "LienIntra":
            return {"t": "def", "ref": attr(element, "LienID") or "", "c": self.inlines(element)}
        if tag == "Paragraphe":  # a paragraph inside a title: its content
            return self.inlines(element)
        self.unknown[tag] += 1
        return plain(element)

    def title(self, element: etree._Element | None) -> list[Inline]:
        """A `Titre`: text directly or wrapped in `Paragraphe`s."""
        if element is None:
            return []
        return self.inlines(element)

    # Blocks --------------------------------------------------------------------------------------------------

    def blocks(self, parent: etree._Element, skip: tuple[str, ...] = ("Titre",)) -> list[Block]:
        out: list[Block] = []
        for child in elements(parent):
            if child.tag in skip:
                continue
            out.extend(self.block(child))
        return out

    def block(self, element: etree._Element) -> list[Block]:
        tag = str(element.tag)
        if tag == "Paragraphe":
            return [{"t": "p", "c": self.inlines(element)}]
        if tag == "Texte":
            return self.blocks(element)
        if tag in ("Chapitre", "SousChapitre"):
            kind = "chapter" if tag == "Chapitre" else "subchapter"
            return [{"t": kind, "title": self.title(element.find("Titre")), "c": self.blocks(element)}]
        if tag == "Liste":
            items = [self.blocks(item) for item in elements(element) if item.tag == "Item"]
            return [{"t": "list", "kind": attr(element, "type") or "puce", "items": items}]
        if tag in ("BlocCas", "ListeSituations"):
            return [self.cases(element)]
        if tag == "Tableau":
            return [self.table(element)]
        if tag in CALLOUTS:
            return [{"t": "callout", "kind": tag, "title": self.title(element.find("Titre")),
                     "c": self.blocks(element)}]
        if tag in WHERE_TAGS:
            return [self.where_block(element)]
        if tag in SERVICE_TAGS:
            return [self.service(element)]
        self.unknown[tag] += 1
        return [{"t": "unknown", "tag": tag, "text": plain(element)}]

    def cases(self, element: etree._Element) -> Block:
        cases = []
        for case in elements(element):
            if case.tag not in ("Cas", "Situation"):
                self.unknown[str(case.tag)] += 1
                continue
            cases.append({"title": self.title(case.find("Titre")), "c": self.blocks(case)})
        return {"t": "cases", "display": attr(element, "affichage") or "onglet", "cases": cases}

    def table(self, element: etree._Element) -> Block:
        rows = []
        for row in elements(element):
            if row.tag != "Rangée":
                continue
            cells = [self.blocks(cell) if len(elements(cell)) else [{"t": "p", "c": _trim([plain(cell)])}]
                     for cell in elements(row) if cell.tag == "Cellule"]
            rows.append({"header": attr(row, "type") == "header", "cells": cells})
        return {"t": "table", "title": self.title(element.find("Titre")), "rows": rows}

    def where_block(self, element: etree._Element) -> Block:
        pivot = plain(element.find("PivotLocal")) or None
        web = element.find("RessourceWeb")
        text = element.find("Texte")
        block: Block = {
            "t": "where", "role": str(element.tag).casefold(),
            "kind": "local" if (attr(element, "type") or "").startswith("Local") else "national",
            "id": attr(element, "ID") or "", "title": plain(element.find("Titre")), "pivot": pivot,
            "url": attr(web, "URL") if web is not None else None,
            "c": self.blocks(text) if text is not None else [],
        }
        self.where.append(block)
        if pivot and pivot not in self.pivots:
            self.pivots.append(pivot)
        return block

    def service(self, element: etree._Element) -> Block:
        block: Block = {
            "t": "service", "role": str(element.tag).casefold(), "id": attr(element, "ID") or "",
            "url": attr(element, "URL") or "", "kind": attr(element, "type") or "",
            "title": plain(element.find("Titre")), "cerfa": attr(element, "numerocerfa"),
        }
        self.services.append(block)
        return block


def _merge(inlines: list[Inline]) -> list[Inline]:
    """Adjacent strings joined, so a paragraph reads as one string when it has no markup."""
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, str) and out and isinstance(out[-1], str):
            out[-1] = _SPACES.sub(" ", out[-1] + node)
        else:
            out.append(node)
    return out


def text_of(node: Any) -> list[str]:
    """Every piece of readable text in a document fragment (for `body_text`), urls and ids left out."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [piece for item in node for piece in text_of(item)]
    if isinstance(node, dict):
        return [piece for key in ("title", "c", "items", "cases", "rows", "cells", "text", "blocks", "children")
                if key in node for piece in text_of(node[key])]
    return []
