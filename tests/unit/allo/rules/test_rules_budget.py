"""The main path's time budget: a warning (never a blocking problem) when a silent caller listens too long."""

from __future__ import annotations

from allo.rules.budget import MenuTiming, budget_warnings, main_path_listening
from allo.rules.document import RulesDocument
from allo.rules.validate import validate

DURATIONS = {"allo/bienvenue": 3.09, "allo/menu-principal": 13.83, "allo/mise-en-relation": 3.69,
             "allo/pas-de-choix": 1.62}


def test_the_seeded_main_path_is_over_20_seconds_a_warning_not_a_problem(doc: RulesDocument) -> None:
    doc.survey.enabled = False
    timing = MenuTiming(20.0, 0, DURATIONS)
    listening = main_path_listening(doc, timing)
    assert listening is not None and round(listening.seconds, 2) == 25.61
    [warning] = budget_warnings(doc, timing)
    assert warning.path == "menus.main"
    assert warning.message == (
        "Un appelant qui ne tape rien écoute 25,6 s avant d'être mis en relation avec un conseiller (messages 20,6 s, "
        "attente d'une touche 5,0 s) : plus que les 20,0 s prévues. Raccourcissez le message allo/menu-principal ou "
        "l'attente du menu main")
    assert validate(doc) == []  # publishing stays possible


def test_the_survey_announcement_counts_when_the_survey_is_on(doc: RulesDocument) -> None:
    timing = MenuTiming(20.0, 0, {**DURATIONS, "enquete-annonce": 7.4})
    listening = main_path_listening(doc, timing)
    assert listening is not None and round(listening.seconds, 2) == 33.01  # 25.61 + 7.4: a sampled caller's path
    [warning] = budget_warnings(doc, timing)
    assert "Raccourcissez le message allo/menu-principal, l'annonce de l'enquête de satisfaction ou" in warning.message
    doc.survey.enabled = False
    listening = main_path_listening(doc, timing)
    assert listening is not None and round(listening.seconds, 2) == 25.61


def test_within_the_budget_no_warning(doc: RulesDocument) -> None:
    doc.survey.enabled = False
    assert budget_warnings(doc, MenuTiming(30.0, 0, DURATIONS)) == []
    doc.menus["main"].timeout_ms = 3000
    doc.prompts["allo/menu-principal"] = "Un conseiller, tapez 0."
    durations = {name: seconds for name, seconds in DURATIONS.items() if name != "allo/menu-principal"}
    assert budget_warnings(doc, MenuTiming(20.0, 0, durations)) == []  # reworded: estimated, 1.6 s


def test_replays_and_estimates_are_said(doc: RulesDocument) -> None:
    doc.survey.enabled = False
    [warning] = budget_warnings(doc, MenuTiming(20.0, 1, {}))
    assert "1 répétition(s) du menu" in warning.message
    assert "durée estimée d'après le texte pour allo/bienvenue, allo/menu-principal, allo/pas-de-choix, " \
           "allo/mise-en-relation" in warning.message


def test_no_first_menu_no_warning(doc: RulesDocument) -> None:
    doc.root_menu = "absent"
    assert budget_warnings(doc, MenuTiming()) == []
