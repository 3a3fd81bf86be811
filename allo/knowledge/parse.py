"""`parse_sheet`: one DILA answer-sheet file (bytes) → a `Sheet`. No I/O: the import reads files and zips.

The XML declaration's encoding is honoured (the v2 files were ISO-8859-15). The parser is hardened: no DTD, no
entity resolution, no network. Formats: docs/knowledge.md and the DILA's own description (vosdroits 3.4).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from allo.knowledge.sheet import Sheet, SheetError, SheetKind
from allo.knowledge.xml_body import SERVICE_TAGS, WHERE_TAGS, Body, attr, elements, plain, text_of

DC = "{http://purl.org/dc/elements/1.1/}"
_MODIFIED = re.compile(r"modified\s+(\d{4}-\d{2}-\d{2})")
_PART_OF = re.compile(r"isPartOf\s+(\S+)")
# Root children that are metadata or context repeated from the parents: not body, not unknown.
_CONTEXT = {"SurTitre", "Audience", "Canal", "FilDAriane", "Theme", "SousThemePere", "DossierPere",
            "SousDossierPere", "Introduction", "Texte", "ListeSituations", "SousTheme", "SousDossier", "Dossier",
            "Fiche", "VoirAussi", "QuestionReponse", "Reference", "Definition", "Abreviation", "Avertissement",
            "LienExterneCommente", "Partenaire", "Image", "Video", *WHERE_TAGS, *SERVICE_TAGS}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           remove_comments=True, remove_pis=True, huge_tree=False)


def parse_sheet(data: bytes, name: str) -> Sheet:
    """Parse one `F…xml` / `N…xml` file; `name` (the file name) is used in errors and checked against @ID."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else exc.lineno
        raise SheetError(name, line, f"XML mal formé / malformed XML: {exc.msg}") from None
    if root.tag != "Publication":
        raise SheetError(name, _line(root),
                         f"l'élément racine est <{root.tag}>, pas <Publication> / root element is not Publication")
    sheet_id = attr(root, "ID") or ""
    expected = name.rsplit("/", 1)[-1].removesuffix(".xml")
    if not sheet_id:
        raise SheetError(name, _line(root), "attribut ID absent / missing ID attribute")
    if re.fullmatch(r"[FN]\d+", expected) and sheet_id != expected:
        raise SheetError(name, _line(root),
                         f"ID {sheet_id} différent du nom du fichier / ID does not match the file name")
    title = plain(root.find(f"{DC}title"))
    if not title:
        raise SheetError(name, _line(root), "dc:title absent ou vide / missing dc:title")
    return _sheet(root, sheet_id, title)


def _sheet(root: etree._Element, sheet_id: str, title: str) -> Sheet:
    body = Body()
    pub_type = attr(root, "type") or ""
    intro_el = root.find("Introduction")
    intro = body.blocks(intro_el) if intro_el is not None else []
    blocks: list[dict[str, Any]] = []
    document: dict[str, Any] = {"intro": intro, "blocks": blocks, "where": body.where, "services": body.services,
                                "definitions": {}, "abbreviations": {}, "references": [], "see_also": [],
                                "questions": [], "warnings": [], "children": []}
    for child in elements(root):
        tag = str(child.tag)
        if tag.startswith(DC) or tag in ("Introduction",):
            continue
        if tag in ("Texte", "ListeSituations"):
            blocks.extend(body.block(child))
        elif tag in WHERE_TAGS:
            body.where_block(child)
        elif tag in SERVICE_TAGS:
            body.service(child)
        elif tag == "Definition":
            document["definitions"][attr(child, "ID") or ""] = {
                "title": plain(child.find("Titre")), "blocks": body.blocks(child)}
        elif tag == "Abreviation":
            document["abbreviations"][attr(child, "ID") or ""] = {
                "title": plain(child.find("Titre")), "kind": attr(child, "type") or "",
                "text": plain(child.find("Texte"))}
        elif tag == "Reference":
            document["references"].append({"title": plain(child.find("Titre")), "url": attr(child, "URL") or "",
                                           "note": plain(child.find("Complement"))})
        elif tag == "VoirAussi":
            document["see_also"].extend({"id": attr(item, "ID") or "", "title": plain(item.find("Titre"))
                                         or plain(item)} for item in elements(child))
        elif tag == "QuestionReponse":
            # 3.3: the question is the text; 3.4: a <Titre> child.
            document["questions"].append({"id": attr(child, "ID") or "",
                                          "title": plain(child.find("Titre")) or plain(child)})
        elif tag == "Avertissement":
            document["warnings"].append({"title": plain(child.find("Titre")), "blocks": body.blocks(child)})
        elif tag in ("SousTheme", "SousDossier") or tag in ("Dossier", "Fiche"):
            document["children"].append(_node(child))
        elif tag not in _CONTEXT:
            body.unknown[tag] += 1
            blocks.append({"t": "unknown", "tag": tag, "text": plain(child)})
    kind = SheetKind.of(pub_type)
    relation = _PART_OF.search(plain(root.find(f"{DC}relation")))
    dossier = root.find("DossierPere")
    parent = relation.group(1) if relation else (attr(dossier, "ID") if dossier is not None else None)
    theme = root.find("Theme")
    theme_id = sheet_id if kind is SheetKind.THEME else (attr(theme, "ID") if theme is not None else None)
    summary = plain(root.find(f"{DC}description"))
    parts = [intro, blocks, body.where, document["warnings"], list(document["definitions"].values()),
             document["children"]]
    text = " ".join(piece for piece in text_of(parts) if piece.strip())
    return Sheet(
        id=sheet_id, kind=kind, pub_type=pub_type, title=title, summary=summary,
        subject=plain(root.find(f"{DC}subject")),
        audiences=[plain(a) for a in root.findall("Audience") if plain(a)],
        parent_id=parent, theme_id=theme_id,
        breadcrumb=[{"id": attr(n, "ID") or "", "title": plain(n), "type": attr(n, "type") or ""}
                    for n in root.findall("FilDAriane/Niveau")],
        sp_url=attr(root, "spUrl") or "",
        modified_on=_modified(plain(root.find(f"{DC}date"))),
        important_change_at=_instant(attr(root, "dateDerniereModificationImportante")),
        document=document, body_text=re.sub(r"\s+", " ", text).strip(),
        pivots=body.pivots, links=body.links, unknown_elements=dict(sorted(body.unknown.items())),
    )


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _node(element: etree._Element) -> dict[str, Any]:
    """A child in the tree of a theme or dossier: sous-thème → dossiers, sous-dossier → fiches."""
    kinds = {"SousTheme": "sous-theme", "SousDossier": "sous-dossier", "Dossier": "dossier", "Fiche": "fiche"}
    children = [_node(c) for c in elements(element) if c.tag in kinds]
    title = plain(element.find("Titre")) if element.find("Titre") is not None else plain(element)
    return {"id": attr(element, "ID") or "", "title": title, "kind": kinds[str(element.tag)], "children": children}


def _modified(text: str) -> date | None:
    match = _MODIFIED.search(text)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    # The archive writes Paris wall-clock time without an offset.
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Europe/Paris"))
