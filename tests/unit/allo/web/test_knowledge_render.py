"""The sheet page drawn from a hand-written stored document (the shape of docs/knowledge.md): every block and inline
kind, the XML's text escaped, missing internal links as text with a note, case tabs with ARIA roles, the banner."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

import allo.knowledge
from allo.knowledge.parse import parse_sheet
from allo.web.knowledge import safe_url
from allo.web.knowledge_view import banner, french_date, prepared, sheet_view
from allo.web.render import templates

DOCUMENT: dict[str, Any] = {
    "intro": [{"t": "p", "c": ["Vous pouvez ", {"t": "em", "c": ["démissionner"]}, " à tout moment."]}],
    "blocks": [
        {"t": "chapter", "title": ["Préavis"], "c": [
            {"t": "p", "c": ["Voir ", {"t": "int", "ref": "F90212", "kind": "Fiche", "audience": "Particuliers",
                                       "c": ["le licenciement"]},
                             ", ", {"t": "int", "ref": "R9", "kind": "Sigle", "c": ["CDI"]},
                             " et ", {"t": "int", "ref": "F99999", "kind": "Fiche", "audience": "Particuliers",
                                      "c": ["une fiche absente"]}, "."]},
            {"t": "subchapter", "title": ["Durée"], "c": [
                {"t": "cases", "display": "onglet", "cases": [
                    {"title": ["CDI"], "c": [{"t": "p", "c": ["Un ", {"t": "def", "ref": "R1", "c": ["préavis"]},
                                                              " d'un mois."]}]},
                    {"title": ["CDD"], "c": [{"t": "p", "c": ["Pas de préavis."]}]}]}]},
            {"t": "cases", "display": "radio", "cases": [
                {"title": ["Salarié"], "c": [{"t": "p", "c": ["Cas salarié."]}]}]},
            {"t": "list", "kind": "puce", "items": [[{"t": "p", "c": ["premier"]}], [{"t": "p", "c": ["second"]}]]},
            {"t": "table", "title": ["Montants"], "rows": [
                {"header": True, "cells": [[{"t": "p", "c": ["Ancienneté"]}], [{"t": "p", "c": ["Durée"]}]]},
                {"header": False, "cells": [[{"t": "p", "c": ["2 ans"]}], [{"t": "p", "c": [
                    {"t": "val", "c": ["2 mois"]}]}]]}]},
            {"t": "callout", "kind": "Attention", "title": ["Piège"], "c": [{"t": "p", "c": [
                "<script>alert(1)</script>", {"t": "ext", "url": "javascript:alert(2)", "c": ["lien piégé"]}]}]},
            {"t": "unknown", "tag": "Video", "text": "une vidéo"},
        ]},
    ],
    "where": [
        {"t": "where", "role": "ousadresser", "kind": "local", "id": "R1", "title": "Inspection du travail",
         "pivot": "ddets", "url": None, "c": [{"t": "p", "c": ["Pour vous renseigner."]}]},
        {"t": "where", "role": "quipeutmaider", "kind": "national", "id": "R2", "title": "Allô Service Public",
         "pivot": None, "url": "https://www.service-public.fr", "c": []},
    ],
    "services": [{"t": "service", "role": "serviceenligne", "id": "R3", "url": "https://www.formulaires.gouv.fr",
                  "kind": "Formulaire", "title": "Lettre de démission", "cerfa": "12345*01"}],
    "definitions": {"R1": {"title": "Préavis", "blocks": [{"t": "p", "c": ["Délai entre l'annonce et le départ."]}]}},
    "abbreviations": {"R9": {"title": "CDI", "kind": "Sigle", "text": "Contrat à durée indéterminée"}},
    "references": [{"title": "Code du travail : article L1237-1", "url": "https://www.legifrance.gouv.fr",
                    "note": "Préavis"}],
    "see_also": [{"id": "F90213", "title": "Rupture conventionnelle"}],
    "questions": [{"id": "F90113", "title": "Peut-on voyager ?"}],
    "warnings": [],
    "children": [],
}
SHEET = {"id": "F90211", "kind": "fiche", "title": "Démission", "summary": "Quitter son emploi en CDI.",
         "audience": ["Particuliers"], "modified_on": "2026-03-01", "retired_at": None,
         "breadcrumb": [{"id": "N90200", "title": "Travail"}, {"id": "N90210", "title": "Rupture du contrat"}],
         "document": DOCUMENT, "links_missing": ["F99999"],
         "escalation": {"target": "sector", "sector": "travail", "sector_label": "Droit du travail",
                        "pivot": None, "pivot_label": None, "instruction": "Transférer au niveau 2 travail.",
                        "source_id": "N90200", "body": None, "resolved_by": None}}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
        return [found for name, found in self.tags
                if name == tag and all(found.get(key) == value for key, value in wanted.items())]


def draw(sheet: dict[str, Any]) -> tuple[str, Tags]:
    html = templates.get_template("knowledge_sheet.html").render(me=None, csrf_token="", sheet=sheet_view(sheet))
    tags = Tags()
    tags.feed(html)
    return html, tags


def test_every_block_kind_is_drawn() -> None:
    html, tags = draw(SHEET)
    assert "<h1 id=\"kb-title\">Démission</h1>" in html
    assert "Vérifiée le 1er mars 2026" in html and "Pour : Particuliers" in html
    assert "<h2>Préavis</h2>" in html and "<h3>Durée</h3>" in html
    assert "<strong>démissionner</strong>" in html
    assert [a["href"] for a in tags.find("a", class_="kb-int")][:1] == ["/connaissances/fiches/F90212"]
    assert "une fiche absente <small class=\"muted\">(fiche F99999 absente de la base)</small>" in html
    assert tags.find("span", class_="kb-missing", data_ref="F99999")
    assert not tags.find("a", href="/connaissances/fiches/F99999")
    assert tags.find("a", class_="kb-def", href="#def-R1") and tags.find("dt", id="def-R1")
    assert "<caption>Montants</caption>" in html and len(tags.find("th", scope="col")) == 2
    assert "<li><p>premier</p></li>" in html.replace("\n", "")
    assert "À noter" not in html and "Attention : Piège" in html
    assert "Cerfa n° 12345*01" in html and "Textes de référence" in html
    assert tags.find("p", class_="kb-unknown", data_tag="Video")
    assert tags.find("a", href="/connaissances/fiches/F90213") and tags.find("a", href="/connaissances/fiches/F90113")
    assert tags.find("a", class_="kb-def", href="#def-R9")  # a LienInterne to a « Sigle »: the glossary
    assert "<abbr title=\"Contrat à durée indéterminée\">CDI</abbr>" in html


def test_the_archive_text_is_never_html() -> None:
    html, tags = draw(SHEET)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not [a for _, a in tags.tags if (a.get("href") or "").startswith("javascript")]
    assert safe_url("javascript:alert(1)") == "#" and safe_url("https://x.fr/a") == "https://x.fr/a"
    assert safe_url(" JAVASCRIPT:x") == "#" and safe_url("mailto:a@b.fr") == "mailto:a@b.fr"


def test_case_tabs_have_the_aria_tabs_pattern_and_radio_cases_are_sections() -> None:
    _html, tags = draw(SHEET)
    tabs = tags.find("button", role="tab")
    assert [t["aria-selected"] for t in tabs] == ["true", "false"] and [t["tabindex"] for t in tabs] == ["0", "-1"]
    panels = tags.find("div", role="tabpanel")
    assert [p["aria-labelledby"] for p in panels] == [t["id"] for t in tabs]
    assert "hidden" not in panels[0] and "hidden" in panels[1]
    assert len(tags.find("div", class_="kb-cases")) == 1


def test_case_groups_get_unique_ids_at_any_depth() -> None:
    nested = {"blocks": [{"t": "cases", "display": "onglet", "cases": [
        {"title": ["a"], "c": [{"t": "cases", "display": "onglet", "cases": [{"title": ["b"], "c": []}]}]}]},
        {"t": "list", "kind": "puce", "items": [[{"t": "cases", "display": "radio", "cases": []}]]}]}
    shown = prepared(nested)
    ids = [shown["blocks"][0]["uid"], shown["blocks"][0]["cases"][0]["c"][0]["uid"],
           shown["blocks"][1]["items"][0][0]["uid"]]
    assert len(set(ids)) == 3
    assert "uid" not in nested["blocks"][0]  # the stored document is not changed


def test_where_panel_offers_the_commune_field_for_local_pivots() -> None:
    html, tags = draw(SHEET)
    assert tags.find("input", id="kb-commune") and tags.find("label", for_="kb-commune")
    assert tags.find("div", class_="kb-local", data_pivot="ddets")
    assert "l&#39;inspection du travail (DDETS)" in html
    national = dict(SHEET, document=dict(DOCUMENT, where=[DOCUMENT["where"][1]]))
    _html, tags = draw(national)
    assert not tags.find("input", id="kb-commune")


def test_banner_words() -> None:
    assert banner(SHEET["escalation"]) is not None
    assert banner(SHEET["escalation"]).headline == "À transférer : Droit du travail"  # type: ignore[union-attr]
    body = {"target": "body", "sector": None, "pivot": "caf", "pivot_label": None, "instruction": "Orienter.",
            "source_id": "F90611"}
    assert banner(body).headline == "Orienter vers : la Caf"  # type: ignore[union-attr]
    assert banner(None) is None
    html, _tags = draw(SHEET)
    assert "À transférer : Droit du travail" in html and "Consigne fixée par N90200." in html


def test_retired_sheet_is_marked() -> None:
    html, tags = draw(dict(SHEET, retired_at="2026-04-02T10:00:00+00:00"))
    assert tags.find("p", id="kb-retired") and "retirée de la base officielle le 2 avril 2026" in html


@pytest.mark.parametrize(("value", "text"), [(date(2026, 1, 1), "1er janvier 2026"), ("2025-12-24", "24 décembre 2025"),
                                             (None, ""), ("pas une date", "pas une date")])
def test_french_date(value: Any, text: str) -> None:
    assert french_date(value) == text


def test_breadcrumb_links_sheets_only_and_ends_on_the_sheet() -> None:
    crumbs = [{"id": "Particuliers", "title": "Accueil particuliers"}, {"id": "N90200", "title": "Travail"},
              {"id": "F90211", "title": "Démission"}]
    html, tags = draw(dict(SHEET, breadcrumb=crumbs))
    assert tags.find("a", href="/connaissances/fiches/N90200")
    assert not tags.find("a", href="/connaissances/fiches/Particuliers") and "Accueil particuliers" in html
    assert '<span aria-current="page">Démission</span>' in html


def test_a_where_block_inside_the_text_points_to_the_panel() -> None:
    inside = dict(DOCUMENT, blocks=[DOCUMENT["where"][0]])
    _html, tags = draw(dict(SHEET, document=inside))
    assert tags.find("a", href="#where-R1") and tags.find("section", id="where-R1")


@pytest.mark.parametrize("path", sorted((Path(allo.knowledge.__file__).parent / "demo").glob("*.xml")),
                         ids=lambda path: path.stem)
def test_every_demo_sheet_is_drawn(path: Path) -> None:
    """The demo sheets as kb17's parser stores them: drawn without error, their internal links to sheets, nothing
    shown as « None »."""
    sheet = parse_sheet(path.read_bytes(), path.name)
    html, tags = draw({**sheet.row(), "audience": sheet.audiences, "links_missing": [], "escalation": None})
    assert f"<h1 id=\"kb-title\">{escape(sheet.title)}</h1>" in html
    assert ">None<" not in html and "None</" not in html
    for link in sheet.links:
        assert tags.find("a", href=f"/connaissances/fiches/{link}"), link
    for child in sheet.document.get("children", []):
        assert tags.find("a", href=f"/connaissances/fiches/{child['id']}"), child["id"]
