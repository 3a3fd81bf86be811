"""French words → pivot codes (pure)."""

from __future__ import annotations

import pytest

from allo.directory.communes import arrondissement_code
from allo.directory.types import correct, expand, fold, recognise


@pytest.mark.parametrize(("typed", "pivots", "rest"), [
    ("mairie", ("mairie", "mairie_com", "paris_mairie", "paris_mairie_arrondissement"), ""),
    ("Préfecture", ("prefecture", "sous_pref", "prefecture_region", "paris_ppp"), ""),
    ("sous-préfecture", ("sous_pref",), ""),
    ("CAF metz", ("caf",), "metz"),
    ("impôts Lyon", ("sip", "sie", "centre_impots_fonciers", "tresorerie"), "lyon"),
    ("tribunal", ("tgi", "ti"), ""),
    ("conseil de prud'hommes de Metz", ("prudhommes",), "metz"),
    ("prudhommes", ("prudhommes",), ""),
    ("ADIL", ("adil",), ""),
    ("inspection du travail", ("ddets", "direccte_ut", "droit_travail"), ""),
    ("France Services", ("msap",), ""),
    ("pôle emploi", ("france_travail", "pole_emploi"), ""),
    ("france travail", ("france_travail", "pole_emploi"), ""),
    ("gendarmerie", ("gendarmerie",), ""),
    ("commissariat", ("commissariat_police",), ""),
    ("MDPH", ("maison_handicapees",), ""),
    ("maison des personnes handicapées", ("maison_handicapees",), ""),
    ("cpam", ("cpam",), ""),
    ("paris_mairie_arrondissement", ("paris_mairie_arrondissement",), ""),
    ("msap 12999", ("msap",), "12999"),
    ("Défenseur des droits", (), "defenseur droits"),
    ("mairie caf", ("mairie", "mairie_com", "paris_mairie", "paris_mairie_arrondissement", "caf"), ""),
])
def test_words_to_pivots(typed, pivots, rest):
    match = recognise(typed)
    assert match.pivots == pivots and match.rest == rest


def test_whole_words_only():
    assert recognise("cafetière").pivots == () and recognise("police").pivots == ("commissariat_police",)


def test_fold():
    assert fold("  Sainte-Aurélie-des-Causses ") == "sainte aurelie des causses"
    assert fold("Prud\u2019hommes") == "prud hommes"


@pytest.mark.parametrize(("typed", "code"), [
    ("paris 15e", "75115"), ("paris 1er", "75101"), ("lyon 3", "69383"), ("marseille 16e arrondissement", "13216"),
    ("paris 21", None), ("metz 3", None),
])
def test_arrondissements(typed, code):
    assert arrondissement_code(fold(typed)) == code


def test_saint_abbreviations_are_expanded_word_by_word() -> None:
    assert expand("st etienne") == "saint etienne"
    assert expand("ste foy les lyon") == "sainte foy les lyon"
    assert expand("maison de la justice") == "maison de la justice"
    assert expand("stade") == "stade" and expand("") == ""


def test_a_misspelt_type_word_is_corrected_and_nothing_else() -> None:
    assert correct("gendarmrie") == "gendarmerie"
    assert correct("Préfecure Lyon") == "prefecture lyon"
    assert correct("sainte marie") == "sainte marie"  # « mairie » is too far for a five-letter word
    assert correct("caisse d'allocations familiales") == "caisse d allocations familiales"
