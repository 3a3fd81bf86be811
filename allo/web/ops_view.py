"""What the ops pages show, computed without I/O: French labels, the simulator's inputs, dates in Paris time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from allo.web.ops_forms import MENU_ACTIONS, ON_MAX_WAIT, WEEKDAYS, format_periods
from allo.web.render import templates
from routing.calendar_types import PARIS

OUTCOME_LABELS = {
    "queued": "Mis en file d'attente",
    "closed": "Service fermé : message puis raccroché",
    "info": "Information puis raccroché",
    "external": "Renvoyé vers un autre numéro",
    "callback": "Rappel proposé",
    "hung_up": "Raccroché dans le menu",
}
SUBDIVISIONS = (("57", "Moselle"), ("6AE", "Alsace"), ("971", "Guadeloupe"), ("972", "Martinique"),
                ("973", "Guyane"), ("974", "La Réunion"), ("976", "Mayotte"), ("BL", "Saint-Barthélemy"),
                ("MF", "Saint-Martin"), ("NC", "Nouvelle-Calédonie"), ("PF", "Polynésie française"),
                ("PM", "Saint-Pierre-et-Miquelon"), ("WF", "Wallis-et-Futuna"))
DONE = {
    "edit": "Modification enregistrée dans le brouillon.",
    "discard": "Brouillon abandonné : vous repartez de la version en service.",
    "publish": "Version {version} publiée : elle s'applique aux appels suivants.",
    "rollback": "Version {version} publiée : elle rétablit la version {of}.",
    "topical": "Message d'actualité publié (version {version}) : les appelants suivants l'entendent.",
    "topical_withdrawn": "Message d'actualité retiré (version {version}).",
}


class SimulationInputError(ValueError):
    """The simulator's form cannot be read; the message is for the user (French)."""


def parse_keys(text: str) -> list[str]:
    """"2,123456#,1" -> ["2", "123456#", "1"]: one entry per read of the menu ("" = the caller typed nothing)."""
    if not text.strip():
        return []
    keys = [part.strip() for part in text.split(",")]
    for key in keys:
        if any(c not in "0123456789*#" for c in key):
            raise SimulationInputError(f"« {key} » : seules les touches 0-9, * et # existent sur un téléphone.")
    return keys


def parse_at(text: str) -> datetime:
    """A datetime-local field ("2026-11-23T10:00") read as Paris time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SimulationInputError(f"« {text} » n'est pas une date et une heure.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)


def local_input(moment: datetime) -> str:
    """The value of a datetime-local field for `moment`, in Paris time."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def paris(moment: Any) -> str:
    if not isinstance(moment, datetime):
        return "" if moment is None else str(moment)
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def frdate(day: Any) -> str:
    return day.strftime("%d/%m/%Y") if isinstance(day, date) else str(day or "")


def services_of_calendar(services: dict[str, Any]) -> dict[str, list[str]]:
    """calendar name -> the labels of the services that follow it."""
    found: dict[str, list[str]] = {}
    for service in services.values():
        found.setdefault(service.calendar, []).append(service.label)
    return found


templates.env.filters.setdefault("paris", paris)
templates.env.filters.setdefault("frdate", frdate)
templates.env.globals.setdefault("format_periods", format_periods)
templates.env.globals.setdefault("weekdays", WEEKDAYS)
templates.env.globals.setdefault("menu_actions", MENU_ACTIONS)
templates.env.globals.setdefault("on_max_wait", ON_MAX_WAIT)
templates.env.globals.setdefault("subdivisions", SUBDIVISIONS)
templates.env.globals.setdefault("outcome_labels", OUTCOME_LABELS)
