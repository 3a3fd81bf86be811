"""The menu tree's rules: every menu says 0, two levels of menus at most, no loop (readable French messages)."""

from __future__ import annotations

import pytest

from allo.rules.document import MenuDoc, OptionDoc, RulesDocument
from allo.rules.menu_checks import says_zero
from allo.rules.validate import validate
from ivr.catalogue import RULES_PROMPTS
from routing.rules import MenuAction


def messages(doc: RulesDocument) -> dict[str, str]:
    return {p.path: p.message for p in validate(doc)}


def submenu(target: str) -> OptionDoc:
    return OptionDoc(action=MenuAction.SUBMENU, target_menu=target)


def level1() -> OptionDoc:
    return OptionDoc(action=MenuAction.QUEUE, queue="l1")


@pytest.mark.parametrize("text", ["Un conseiller, tapez 0.", "Pour un conseiller tapez 0", "0 : un conseiller",
                                  "Tapez zéro pour un conseiller.", "tapez ZERO", "(0)"])
def test_texts_that_say_zero(text: str) -> None:
    assert says_zero(text)


@pytest.mark.parametrize("text", ["Intérieur, 1. Logement, 6.", "Appelez le 0809401401.", "Tapez 10.",
                                  "Le 3939, 0,5 euro", "zérotage"])
def test_texts_that_do_not(text: str) -> None:
    assert not says_zero(text)


def test_every_seeded_menu_says_zero() -> None:
    assert says_zero(RULES_PROMPTS["allo/menu-principal"]) and says_zero(RULES_PROMPTS["allo/menu-secteurs"])
    assert "Un conseiller, tapez 0" in RULES_PROMPTS["allo/menu-secteurs"]


def test_a_menu_that_does_not_say_zero_is_refused(doc: RulesDocument) -> None:
    doc.prompts["allo/menu-secteurs"] = "Intérieur, 1. Droit du travail, 2."
    assert messages(doc) == {"menus.secteurs.prompt": "Le menu secteurs ne dit pas qu'on peut taper 0 pour parler à "
                                                      "un conseiller : ajoutez « Un conseiller, tapez 0 » au texte "
                                                      "du message allo/menu-secteurs"}


def test_two_levels_are_fine_a_third_is_refused_with_its_path(doc: RulesDocument) -> None:
    doc.prompts["allo/plus"] = "Autres questions, 1. Un conseiller, tapez 0."
    doc.menus["plus"] = MenuDoc(prompt="allo/plus", options={"1": level1()})
    doc.menus["main"].options["6"] = submenu("plus")
    assert validate(doc) == []
    doc.menus["encore"] = MenuDoc(prompt="allo/plus", options={"1": level1()})
    doc.menus["plus"].options["2"] = submenu("encore")
    assert messages(doc) == {"menus.encore": "Le menu encore est trop profond : main → plus → encore fait 3 niveaux "
                                             "de menus ; 2 au plus (le premier menu et un sous-menu)"}


def test_the_sector_menu_after_the_access_code_is_a_level_too(doc: RulesDocument) -> None:
    doc.menus["secteurs"].options["7"] = submenu("main")
    assert messages(doc) == {"menus.secteurs.options.7": "Les menus tournent en rond : main → secteurs → main "
                                                         "(touche 7 du menu secteurs)"}


def test_a_loop_between_two_submenus_is_refused(doc: RulesDocument) -> None:
    doc.prompts["allo/a"] = "A, 1. Un conseiller, tapez 0."
    doc.menus["a"] = MenuDoc(prompt="allo/a", options={"1": submenu("b")})
    doc.menus["b"] = MenuDoc(prompt="allo/a", options={"1": submenu("a")})
    doc.menus["main"].options["6"] = submenu("a")
    found = messages(doc)
    assert found["menus.b"].startswith("Le menu b est trop profond : main → a → b fait 3 niveaux")
    assert len(found) == 1  # the loop a → b → a is below the depth limit: said once, as too deep


def test_a_menu_opening_itself_is_said_once(doc: RulesDocument) -> None:
    doc.menus["main"].options["6"] = submenu("main")
    assert messages(doc) == {"menus.main.options.6": "L'option 6 du menu main ouvre son propre menu"}
