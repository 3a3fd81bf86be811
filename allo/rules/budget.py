"""The time budget of the main path (pure): a caller who presses nothing must reach an adviser soon.

What they hear before being queued in level 1 is the welcome, the first menu and its timeout (and each replay), then
the connecting prompt. Over `budget_s` the editor *warns*: a warning is shown and returned, it never blocks
publishing. The durations of the sound files are passed in (allo.setup.prompt_durations reads them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from allo.rules.document import RulesDocument
from allo.rules.validate import Problem
from ivr.catalogue import PROMPTS
from ivr.listening import Listening, listening_time, main_path


@dataclass(frozen=True)
class MenuTiming:
    """What the budget needs from the settings and the sound files."""

    budget_s: float = 20.0
    no_input_replays: int = 0
    durations: Mapping[str, float] = field(default_factory=dict)  # prompt name -> seconds of its sound file


def main_path_listening(doc: RulesDocument, timing: MenuTiming) -> Listening | None:
    """How long a caller who presses nothing listens before being queued (None: no first menu)."""
    root = doc.menus.get(doc.root_menu)
    if root is None:
        return None
    topical = doc.topical.prompt if doc.topical is not None and doc.topical.enabled else None
    prompts, waits = main_path(root.prompt, root.timeout_ms, timing.no_input_replays, topical, doc.survey.enabled)
    return listening_time(prompts, waits, timing.durations, {**PROMPTS, **doc.prompts})


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def budget_warnings(doc: RulesDocument, timing: MenuTiming) -> list[Problem]:
    listening = main_path_listening(doc, timing)
    if listening is None or listening.seconds <= timing.budget_s:
        return []
    root = doc.menus[doc.root_menu]
    topical = ", le message d'actualité" if doc.topical is not None and doc.topical.enabled else ""
    topical += ", l'annonce de l'enquête de satisfaction" if doc.survey.enabled else ""
    replays = f", {timing.no_input_replays} répétition(s) du menu" if timing.no_input_replays else ""
    estimated = " (durée estimée d'après le texte pour " + ", ".join(listening.estimated) + ")" \
        if listening.estimated else ""
    return [Problem(f"menus.{doc.root_menu}", (
        f"Un appelant qui ne tape rien écoute {_seconds(listening.seconds)} s avant d'être mis en relation avec un "
        f"conseiller (messages {_seconds(listening.prompts_s)} s, attente d'une touche {_seconds(listening.waits_s)} s"
        f"{replays}){estimated} : plus que les {_seconds(timing.budget_s)} s prévues. Raccourcissez le message "
        f"{root.prompt}{topical} ou l'attente du menu {doc.root_menu}"))]
