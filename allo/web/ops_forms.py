"""What an ops form posts, turned into one rules edit (the JSON shape of allo.rules.edits); pure.

Every form carries `op` (the edit) and `section` (the page to come back to). A form that cannot be read (a time
that is not HH:MM, a number that is not a number) raises FormError with a French message; the backend then judges
whether the edit itself is acceptable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

SECTIONS = ("calendars", "codes", "sectors", "queues", "menus", "prompts", "escalations", "survey")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MENU_ACTIONS = {
    "queue": "File d'attente",
    "submenu": "Sous-menu",
    "access_code": "Code d'accès",
    "info_hangup": "Message puis raccrocher",
    "external_number": "Autre numéro (annoncé)",
    "callback": "Être rappelé",
}
ON_MAX_WAIT = {"callback": "proposer un rappel", "overflow": "déborder", "stay": "continuer d'attendre"}
QUEUE_NUMBERS = ("max_wait", "announce_frequency", "service_level", "sl_target_pct", "short_abandon", "asa_target",
                 "abandon_target_pct", "offer_at_waiting", "offer_at_wait_s")
PERIOD = re.compile(r"^\s*(\d{1,2})[:hH](\d{2})\s*[-\u2013à]+\s*(\d{1,2})[:hH](\d{2})\s*$")


class FormError(ValueError):
    """The form cannot be read; the message is for the user (French)."""


def _text(form: Mapping[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _required(form: Mapping[str, str], name: str, label: str) -> str:
    value = _text(form, name)
    if value is None:
        raise FormError(f"Le champ « {label} » est obligatoire.")
    return value


def _int(form: Mapping[str, str], name: str, label: str) -> int | None:
    value = _text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise FormError(f"« {label} » doit être un nombre entier (reçu « {value} »).") from None


def _hhmm(hours: str, minutes: str, raw: str, where: str) -> str:
    if int(hours) > 24 or int(minutes) > 59:
        raise FormError(f"{where}« {raw} » : heure impossible.")
    return f"{int(hours):02d}:{minutes}"


def parse_periods(text: str, day: str = "") -> list[dict[str, str]]:
    """"08:00-12:00, 13:30-17:00" (also 8h00-12h00, ';' or new lines between periods); "" or "fermé" = closed."""
    cleaned = text.strip()
    if cleaned.lower() in ("", "fermé", "ferme", "-"):
        return []
    periods = []
    where = f"{day} : " if day else ""
    for chunk in re.split(r"[,;\n]+", cleaned):
        if not chunk.strip():
            continue
        match = PERIOD.match(chunk)
        if match is None:
            raise FormError(f"{where}« {chunk.strip()} » n'est pas une plage horaire comme 08:30-12:00.")
        opens = _hhmm(match[1], match[2], chunk.strip(), where)
        closes = _hhmm(match[3], match[4], chunk.strip(), where)
        periods.append({"opens": opens, "closes": closes})
    return periods


def format_periods(periods: Any) -> str:
    """The inverse of parse_periods for a list of {opens, closes} (dicts or objects, times or strings)."""
    return ", ".join(f"{_clock(_get(p, 'opens'))}-{_clock(_get(p, 'closes'))}" for p in periods or ())


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _clock(value: Any) -> str:
    text = value.strftime("%H:%M") if hasattr(value, "strftime") else str(value or "")
    return text[:5]


def _weekly(form: Mapping[str, str]) -> dict[str, Any]:
    weekday = _int(form, "weekday", "jour")
    if weekday is None or not 0 <= weekday <= 6:
        raise FormError("Jour de la semaine inconnu.")
    return {"calendar": _required(form, "calendar", "calendrier"), "weekday": weekday,
            "periods": parse_periods(form.get("periods", ""), WEEKDAYS[weekday])}


def _add_exception(form: Mapping[str, str]) -> dict[str, Any]:
    starts_on = _required(form, "starts_on", "du")
    edit: dict[str, Any] = {"calendar": _required(form, "calendar", "calendrier"),
                            "kind": _required(form, "kind", "type"), "starts_on": starts_on,
                            "ends_on": _text(form, "ends_on") or starts_on}
    hours = _text(form, "hours")
    if hours:
        periods = parse_periods(hours)
        if len(periods) != 1:
            raise FormError("Une seule plage horaire par exception (par exemple 09:00-12:00).")
        edit.update(periods[0])
    for name in ("message_text", "message_prompt"):
        if message := _text(form, name):
            edit[name] = message
    return edit


def _remove_exception(form: Mapping[str, str]) -> dict[str, Any]:
    return {"calendar": _required(form, "calendar", "calendrier"), "index": _int(form, "index", "numéro")}


def _holidays(form: Mapping[str, str]) -> dict[str, Any]:
    return {"calendar": _required(form, "calendar", "calendrier"),
            "public_holidays": form.get("public_holidays", "") in ("on", "true", "1"),
            "subdivision": _text(form, "subdivision")}


def _menu_option(form: Mapping[str, str]) -> dict[str, Any]:
    digit = _required(form, "digit", "touche")
    if len(digit) != 1 or digit not in "0123456789*#":
        raise FormError(f"« {digit} » n'est pas une touche du téléphone (0-9, * ou #).")
    edit: dict[str, Any] = {"menu": _required(form, "menu", "menu"), "digit": digit,
                            "action": _required(form, "action", "action"), "label": _text(form, "label") or ""}
    for name in ("target_menu", "queue", "sector", "service", "prompt", "external_number"):
        if value := _text(form, name):
            edit[name] = value
    return edit


def _menu(form: Mapping[str, str]) -> dict[str, Any]:
    edit: dict[str, Any] = {"menu": _required(form, "menu", "menu")}
    if prompt := _text(form, "prompt"):
        edit["prompt"] = prompt
    seconds = _text(form, "timeout_s")
    if seconds is not None:
        try:
            edit["timeout_ms"] = round(float(seconds.replace(",", ".")) * 1000)
        except ValueError:
            raise FormError(f"« {seconds} » n'est pas un nombre de secondes.") from None
    return edit


def _recording(form: Mapping[str, str]) -> dict[str, Any]:
    return {"name": _required(form, "name", "nom"), "recording_id": _int(form, "recording_id", "enregistrement")}


def _remove_menu_option(form: Mapping[str, str]) -> dict[str, Any]:
    return {"menu": _required(form, "menu", "menu"), "digit": _required(form, "digit", "touche")}


def _prompt_text(form: Mapping[str, str]) -> dict[str, Any]:
    return {"name": _required(form, "name", "nom"), "text": _required(form, "text", "texte")}


def _sector(form: Mapping[str, str]) -> dict[str, Any]:
    edit: dict[str, Any] = {"code": _required(form, "code", "secteur")}
    for name in ("label", "queue", "service"):
        if value := _text(form, name):
            edit[name] = value
    return edit


def _queue(form: Mapping[str, str]) -> dict[str, Any]:
    edit: dict[str, Any] = {"name": _required(form, "name", "file")}
    if value := _text(form, "on_max_wait"):
        edit["on_max_wait"] = value
    if "overflow_queue" in form:
        edit["overflow_queue"] = _text(form, "overflow_queue")
    for name in QUEUE_NUMBERS:
        number = _int(form, name, name)
        if number is not None:
            edit[name] = number
    return edit


def _rotate(form: Mapping[str, str]) -> dict[str, Any]:
    return {"service": _required(form, "service", "service"), "sector": _text(form, "sector")}


def _retire(form: Mapping[str, str]) -> dict[str, Any]:
    return {"id": _int(form, "id", "code")}


def _escalation(form: Mapping[str, str]) -> dict[str, Any]:
    return {"target_id": _required(form, "target_id", "identifiant"), "sector": _text(form, "sector"),
            "pivot": _text(form, "pivot"), "instruction": _required(form, "instruction", "consigne")}


def _remove_escalation(form: Mapping[str, str]) -> dict[str, Any]:
    return {"target_id": _required(form, "target_id", "identifiant")}


def _survey(form: Mapping[str, str]) -> dict[str, Any]:
    one_in = _int(form, "one_in", "1 appel sur N")
    if one_in is None:
        raise FormError("Le champ « 1 appel sur N » est obligatoire (un nombre entre 1 et 100).")
    return {"enabled": form.get("enabled", "") in ("on", "true", "1"), "one_in": one_in}


READERS: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
    "set_weekly": _weekly,
    "add_exception": _add_exception,
    "remove_exception": _remove_exception,
    "set_holidays": _holidays,
    "set_menu": _menu,
    "set_menu_option": _menu_option,
    "remove_menu_option": _remove_menu_option,
    "set_prompt_text": _prompt_text,
    "set_recording": _recording,
    "set_sector": _sector,
    "set_queue": _queue,
    "rotate_code": _rotate,
    "retire_code": _retire,
    "set_escalation": _escalation,
    "remove_escalation": _remove_escalation,
    "set_survey": _survey,
}


def edit_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The edit a form asks for, as the JSON body of POST /api/rules/draft/edits."""
    op = form.get("op", "")
    reader = READERS.get(op)
    if reader is None:
        raise FormError(f"Modification inconnue « {op} ».")
    return {"op": op, **reader(form)}


def field_of(form: Mapping[str, str]) -> str:
    """The path of the field a form's error belongs next to (as in validation problems' paths)."""
    if form.get("op") == "set_survey":
        return "survey.one_in"
    if form.get("op") == "set_prompt_text":
        return f"prompts.{form.get('name', '')}"
    return ""


def section_of(form: Mapping[str, str]) -> str:
    section = form.get("section", "")
    return section if section in SECTIONS else "calendars"
