"""What the adviser's desk page needs besides the live data (pure): the French words for states, origins and
outcomes that desk.js shows, and whether the signed-in account can use the desk at all (it needs an extension:
its phone and its agent name). desk.js reads `labels` from a JSON script element; the wrap-up outcomes are drawn
by the template as radio buttons, so both follow the enums of the schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allo.auth.roles import Principal
from allo.db.desk_models import WrapupOutcome

OUTCOMES: dict[WrapupOutcome, str] = {
    WrapupOutcome.ANSWERED: "Répondu",
    WrapupOutcome.TRANSFERRED: "Transféré à un secteur",
    WrapupOutcome.ORIENTED: "Orienté vers un organisme",
    WrapupOutcome.CALLBACK: "Rappel promis",
    WrapupOutcome.OUT_OF_SCOPE: "Hors champ",
}
ORIGINS = {"queue": "File d'attente", "repeat": "Appelant récurrent", "callback": "Rappel",
           "relay": "Plateforme relais"}
STATES = {"logged_out": "Déconnecté", "available": "Disponible", "paused": "En pause", "on_call": "En communication",
          "wrapup": "Après-appel"}
LEVELS = {1: "Niveau 1", 2: "Niveau 2 (spécialiste)"}


@dataclass(frozen=True)
class DeskPage:
    """The page for one account: `agent` is None when the account has no extension (a French explanation then)."""

    agent: str | None
    username: str
    outcomes: list[tuple[str, str]]
    labels: dict[str, Any]


def desk_page(me: Principal) -> DeskPage:
    agent = (me.extension or "").strip() or None
    return DeskPage(agent=agent, username=me.username,
                    outcomes=[(outcome.value, label) for outcome, label in OUTCOMES.items()],
                    labels={"origins": ORIGINS, "states": STATES, "levels": {str(k): v for k, v in LEVELS.items()},
                            "outcomes": {outcome.value: label for outcome, label in OUTCOMES.items()}})
