"""The most specific escalation sheet wins: the sheet's, then its dossier's, then its theme's."""

from __future__ import annotations

from allo.knowledge.escalation import Escalation, Target, chain_of, escalation_for, short_label
from allo.rules.document import EscalationDoc

ESCALATIONS = {
    "N90200": EscalationDoc(sector="travail", instruction="Transférer au pôle Droit du travail"),
    "N90210": EscalationDoc(pivot="prudhommes", instruction="Orienter vers le conseil de prud'hommes"),
    "F90213": EscalationDoc(pivot="ddets", instruction="Orienter vers la DDETS pour l'homologation"),
}
LABELS = {"travail": "Niveau 2 - Droit du travail"}


def test_the_sheet_wins_over_its_dossier_and_its_theme() -> None:
    assert escalation_for(ESCALATIONS, ["F90213", "N90210", "N90200"], LABELS) == Escalation(
        Target.BODY, None, None, "ddets", "l'inspection du travail (DDETS)",
        "Orienter vers la DDETS pour l'homologation", "F90213")


def test_then_the_dossier() -> None:
    found = escalation_for(ESCALATIONS, ["F90212", "N90210", "N90200"], LABELS)
    assert found is not None and (found.pivot, found.source_id) == ("prudhommes", "N90210")


def test_then_the_theme_with_the_sector_label_without_its_level() -> None:
    found = escalation_for(ESCALATIONS, ["F90221", "N90220", "N90200"], LABELS)
    assert found is not None and found.to_json() == {
        "target": "sector", "sector": "travail", "sector_label": "Droit du travail", "pivot": None,
        "pivot_label": None, "instruction": "Transférer au pôle Droit du travail", "source_id": "N90200"}


def test_none_when_nothing_in_the_ancestry_has_an_escalation_sheet() -> None:
    assert escalation_for(ESCALATIONS, ["F90311", "N90310", "N90300"], LABELS) is None
    assert escalation_for({}, ["F90213"]) is None
    assert escalation_for(ESCALATIONS, []) is None


def test_an_unknown_sector_label_is_its_key_and_an_unknown_pivot_its_code() -> None:
    found = escalation_for({"F1": EscalationDoc(sector="sante", instruction="Transférer")}, ["F1"])
    assert found is not None and found.sector_label == "sante"
    found = escalation_for({"F1": EscalationDoc(pivot="bureau_x", instruction="Orienter")}, ["F1"])
    assert found is not None and found.pivot_label == "bureau_x"
    assert short_label("Niveau 2 \u2013 Logement-Urbanisme") == "Logement-Urbanisme"
    assert short_label("Justice") == "Justice"


def test_chain_of_one_row_skips_the_audience_home_page_and_repeats() -> None:
    breadcrumb = [{"id": "Particuliers", "title": "Accueil particuliers"}, {"id": "N90200", "title": "Travail"},
                  {"id": "N90210", "title": "Rupture"}, {"id": "F90213", "title": "Rupture conventionnelle"}]
    assert chain_of("F90213", ["N90210"], breadcrumb, "N90200") == ["F90213", "N90210", "N90200"]
    assert chain_of("N90200", [], [], "N90200") == ["N90200"]
    assert chain_of("F1", [], [{"title": "sans id"}, "bad"], None) == ["F1"]
