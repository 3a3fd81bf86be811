"""The satisfaction survey's section of the rules (pure): its checks, its words in the history, and its edit.

The share (`survey.enabled`, `survey.one_in`) lives in the one-row table `survey_settings`; the five prompts' texts
are ordinary prompts (`prompts[name]`, names from routing/survey.py), edited, synthesised and recorded like every
prompt. Checks return (path, French message) pairs; allo.rules.validate makes them Problems.
"""

from __future__ import annotations

from allo.rules.document import RulesDocument, SurveyDoc
from routing.survey import (
    SURVEY_PROMPT_ANNOUNCE,
    SURVEY_PROMPT_ANSWERED,
    SURVEY_PROMPT_INVALID,
    SURVEY_PROMPT_SATISFACTION,
    SURVEY_PROMPT_THANKS,
)

# In the order a caller hears them; the labels are the editor's.
SURVEY_PROMPTS = (
    (SURVEY_PROMPT_ANNOUNCE, "Annonce en début d'appel"),
    (SURVEY_PROMPT_SATISFACTION, "Question 1 : satisfaction de 1 à 5"),
    (SURVEY_PROMPT_ANSWERED, "Question 2 : question résolue (1 oui, 2 non)"),
    (SURVEY_PROMPT_THANKS, "Remerciement"),
    (SURVEY_PROMPT_INVALID, "Choix non valide"),
)
SURVEY_PROMPT_NAMES = tuple(name for name, _ in SURVEY_PROMPTS)
MIN_ONE_IN, MAX_ONE_IN = 1, 100


def summary(survey: SurveyDoc) -> str:
    """The section in words, as the history and the diff show it."""
    if not survey.enabled:
        return "Enquête de satisfaction : désactivée"
    if survey.one_in == 1:
        return "Enquête de satisfaction : tous les appels"
    return f"Enquête de satisfaction : 1 appel sur {survey.one_in}"


def one_in_problem(one_in: int) -> str | None:
    if MIN_ONE_IN <= one_in <= MAX_ONE_IN:
        return None
    return (f"Enquête de satisfaction : « 1 appel sur N » doit être entre {MIN_ONE_IN} et {MAX_ONE_IN}, "
            f"pas {one_in}")


def survey_problems(doc: RulesDocument) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    share = one_in_problem(doc.survey.one_in)
    if share is not None:
        problems.append(("survey.one_in", share))
    if not doc.survey.enabled:
        return problems
    for name, label in SURVEY_PROMPTS:
        text = doc.prompts.get(name)
        if text is None:
            problems.append((f"prompts.{name}", f"L'enquête de satisfaction est activée mais le message {name} "
                                                f"({label.lower()}) n'existe pas"))
        elif not text.strip():
            problems.append((f"prompts.{name}", f"L'enquête de satisfaction est activée mais le message {name} "
                                                f"({label.lower()}) n'a pas de texte"))
    return problems


def set_survey(doc: RulesDocument, enabled: bool, one_in: int) -> None:
    """In place; an out-of-range share is left for `validate` to refuse (so the message is the same everywhere)."""
    doc.survey = SurveyDoc.model_construct(enabled=enabled, one_in=one_in)
