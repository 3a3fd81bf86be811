"""The decision trace in French words (pure): the engine and `routing.decide` write English lines for the logs and
tests; the call lookup page shows them to ops and supervisors, who read French. A line no pattern knows is shown
as written (the trace stays complete)."""

from __future__ import annotations

import re
from collections.abc import Callable

TARGETS = {"entry": "arrivée", "level1": "niveau 1", "service": "service", "queue": "file"}
REASONS = {"weekly": "horaires de la semaine", "exceptional_opening": "ouverture exceptionnelle",
           "outside_hours": "hors des horaires", "public_holiday": "jour férié",
           "exceptional_closure": "fermeture exceptionnelle"}
ACTIONS = {"submenu": "sous-menu", "access_code": "code d'accès", "queue": "file", "info_hangup": "information",
           "callback": "rappel", "external_number": "autre numéro"}
WEEKDAYS = {"Mon": "lun.", "Tue": "mar.", "Wed": "mer.", "Thu": "jeu.", "Fri": "ven.", "Sat": "sam.", "Sun": "dim."}
WHY = [
    (re.compile(r"^key 0$"), "touche 0"),
    (re.compile(r"^no input$"), "aucune touche"),
    (re.compile(r"^(\d+) failed inputs$"), r"\1 saisies invalides"),
    (re.compile(r"^menu (\S+) key (\d)$"), r"menu \1, touche \2"),
    (re.compile(r"^access code for sector (\S+)$"), r"code d'accès du secteur \1"),
    (re.compile(r"^3 wrong access codes$"), "3 codes d'accès faux"),
    (re.compile(r"^access code not asked: caller_limit$"), "code d'accès non demandé : limite de cet appelant"),
    (re.compile(r"^access code not asked: pool_limit$"),
     "code d'accès non demandé : limite commune (sans numéro, relais)"),
]


def _why(text: str) -> str:
    for pattern, words in WHY:
        if pattern.match(text):
            return pattern.sub(words, text)
    return text


def _rules(m: re.Match[str]) -> str:
    why = f" ({_why(m['why'])})" if m["why"] else ""
    return f"Règles v{m['v']} : décision « {TARGETS.get(m['target'], m['target'])} »{why}"


def _service(m: re.Match[str]) -> str:
    verdict = "ouvert" if m["verdict"] == "open" else "fermé"
    year, month, day = m["date"].split("-")
    holiday = f", {m['holiday']}" if m["holiday"] else ""
    return (f"Service {m['code']} {verdict} le {WEEKDAYS.get(m['day'], m['day'])} {day}/{month}/{year} à {m['time']} "
            f"(calendrier {m['cal']} : {REASONS.get(m['reason'], m['reason'])}{holiday})")


def _option(m: re.Match[str]) -> str:
    label = f" ({m['label']})" if m["label"] else ""
    return f"Menu {m['menu']} : touche {m['key']}{label} → {ACTIONS.get(m['action'], m['action'])}"


def _waits(m: re.Match[str]) -> str:
    short = ", trop court pour être annoncé" if m[3] else ""
    return f"Attente : position {m[1]}, estimation {m[2]} s{short}"


def _relay_why(text: str) -> str:
    for pattern, words in RELAY_WHY:
        if pattern.match(text):
            return pattern.sub(words, text)
    return text


RELAY_WHY = [
    (re.compile(r"^SIP source in (\S+)$"), r"source SIP dans \1"),
    (re.compile(r"^relay platform's caller number$"), "numéro de la plateforme"),
    (re.compile(r"^dedicated number (\S+)$"), r"numéro dédié \1"),
]


def _code_gate(m: re.Match[str]) -> str:
    asked = "demandé" if m[1] == "asked" else "non demandé"
    unit = "h" if "this caller" in m[0] else "min"
    who = "cet appelant" if unit == "h" else "appelants sans numéro et relais"
    return f"Code d'accès {asked} : {who}, {m[2]} codes faux en {m[3]} {unit} (limite {m[4]})"


Label = Callable[[re.Match[str]], str] | str
PATTERNS: list[tuple[re.Pattern[str], Label]] = [
    (re.compile(r"^rules v(?P<v>\d+): (?P<target>\w+)(?: \((?P<why>.*)\))?$"), _rules),
    (re.compile(r"^service (?P<code>\S+) (?P<verdict>open|closed) at (?P<day>\w+) (?P<date>\d{4}-\d{2}-\d{2}) "
                r"(?P<time>\d{2}:\d{2}) by calendar (?P<cal>\S+): (?P<reason>\w+)(?: \((?P<holiday>.*)\))?$"),
     _service),
    (re.compile(r"^-> queue (\S+)$"), r"→ file \1"),
    (re.compile(r"^-> closed message, hang up$"), "→ message de fermeture, fin de l'appel"),
    (re.compile(r"^-> menu$"), "→ menu"),
    (re.compile(r"^menu (\S+)$"), r"Menu \1"),
    (re.compile(r"^menu (?P<menu>\S+): key (?P<key>\d)(?: \((?P<label>.*)\))? -> (?P<action>\w+)$"), _option),
    (re.compile(r"^menu (\S+): key 0, adviser$"), r"Menu \1 : touche 0, un conseiller"),
    (re.compile(r"^menu (\S+): \* repeat$"), r"Menu \1 : * (réécouter)"),
    (re.compile(r"^menu (\S+): no input after (\d+) replay\(s\), to level 1$"),
     r"Menu \1 : aucune touche après \2 réécoute(s), vers le niveau 1"),
    (re.compile(r"^menu (\S+): invalid key (\S+) \((\d+)/(\d+)\)$"), r"Menu \1 : touche \2 invalide (\3/\4)"),
    (re.compile(r"^menu (\S+): no input \((\d+)/(\d+)\)$"), r"Menu \1 : aucune touche (\2/\3)"),
    (re.compile(r"^key (\S+) during the welcome$"), r"Touche \1 pendant l'accueil"),
    (re.compile(r"^topical message (\S+)$"), r"Message d'actualité \1"),
    (re.compile(r"^key (\S+) during the topical message$"), r"Touche \1 pendant le message d'actualité"),
    (re.compile(r"^survey announced$"), "Annonce de l'enquête de satisfaction (appel tiré au sort)"),
    (re.compile(r"^key (\S+) during the survey announcement$"), r"Touche \1 pendant l'annonce de l'enquête"),
    (re.compile(r"^access code accepted for (.+) \(attempt (\d+)/(\d+)\)$"),
     r"Code d'accès accepté pour \1 (essai \2/\3)"),
    (re.compile(r"^access code wrong \(attempt (\d+)/(\d+)\)$"), r"Code d'accès faux (essai \1/\2)"),
    (re.compile(r"^access code not entered \(attempt (\d+)/(\d+)\)$"), r"Code d'accès non tapé (essai \1/\2)"),
    (re.compile(r"^code (asked|not asked), this caller: (\d+) wrong codes within (\S+) h \(limit (\d+)\)$"),
     _code_gate),
    (re.compile(r"^code (asked|not asked), callers without a number and relay calls: (\d+) wrong codes within "
                r"(\S+) min \(limit (\d+)\)$"), _code_gate),
    (re.compile(r"^wrong-code count unknown \(ledger away\): code asked, limit (\d+)$"),
     "Nombre de codes faux inconnu (base injoignable) : code demandé"),
    (re.compile(r"^relay call \((.*)\)$"), lambda m: f"Appel par une plateforme de relais ({_relay_why(m[1])})"),
    (re.compile(r"^keys awaited at least (\d+) ms at each input$"),
     r"Touches attendues au moins \1 ms à chaque saisie"),
    (re.compile(r"^relay call: queue priority (\d+)$"), r"Appel relais : priorité \1 dans la file"),
    (re.compile(r"^caller hung up \((.*)\)$"), r"L'appelant a raccroché (\1)"),
    (re.compile(r"^caller hung up during the wait announcement$"),
     "L'appelant a raccroché pendant l'annonce d'attente"),
    (re.compile(r"^queue (\S+): max wait (\d+) s$"), r"File \1 : attente maximale \2 s"),
    (re.compile(r"^queue (\S+): no max wait$"), r"File \1 : pas d'attente maximale"),
    (re.compile(r"^repeat caller: (\S+) rung first$"), r"Appelant récent : \1 sonné en premier"),
    (re.compile(r"^repeat caller: (\S+) not available in (\S+), queue as usual$"),
     r"Appelant récent : \1 indisponible dans \2, file comme d'habitude"),
    (re.compile(r"^waits: position (\d+), estimate (\S+) s(, too short to announce)?$"), _waits),
    (re.compile(r"^callback booked$"), "Rappel réservé"),
    (re.compile(r"^no rules loaded .*: level 1$"), "Aucune règle chargée (base injoignable) : niveau 1"),
]


NODE_LOST = "node_lost"  # calls.end_reason / queue_legs.end_reason of a call cut because its node died


def end_label(end_reason: str | None, node: str | None) -> str | None:
    """Why a call ended, when the outcome alone does not say it (French; None otherwise)."""
    if end_reason == NODE_LOST:
        return f"coupé : perte du nœud {node}" if node else "coupé : perte du nœud"
    return None


def trace_label(line: str) -> str:
    """One trace line in French (the line itself when no pattern knows it)."""
    for pattern, label in PATTERNS:
        m = pattern.match(line)
        if m is None:
            continue
        return label(m) if callable(label) else m.expand(label)
    return line
