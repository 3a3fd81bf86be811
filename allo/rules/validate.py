"""Is a rules document publishable? Readable problems, each with the path of what is wrong (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from allo.rules.calendar_checks import calendar_problems, exception_where
from allo.rules.document import CalendarDoc, MenuDoc, OptionDoc, QueueDoc, RulesDocument
from allo.rules.escalations import escalation_problems
from allo.rules.menu_checks import depth_problems, zero_problems
from allo.rules.reach import reachable_sectors
from allo.rules.survey import survey_problems
from allo.rules.topical import topical_problems
from routing.rules import MenuAction


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


PROMPT_NAME = re.compile(r"^[a-z0-9][a-z0-9/_-]*$")
ON_MAX_WAIT = ("callback", "overflow", "stay")
# (minimum, maximum, what it is) for each numeric queue setting; messages are French (the ops pages are).
QUEUE_RANGES = {
    "max_wait": (0, 7200, "l'attente maximale (en secondes, 0 = sans limite)"),
    "announce_frequency": (0, 3600, "l'intervalle entre deux annonces (en secondes, 0 = jamais)"),
    "service_level": (1, 600, "le seuil du niveau de service (en secondes)"),
    "sl_target_pct": (0, 100, "l'objectif de niveau de service (en %)"),
    "short_abandon": (0, 120, "le seuil des abandons courts (en secondes)"),
    "asa_target": (1, 3600, "l'objectif de délai moyen de réponse (en secondes)"),
    "abandon_target_pct": (0, 100, "l'objectif de taux d'abandon (en %)"),
    "offer_at_waiting": (0, 500, "le nombre d'appels en attente qui déclenche l'offre à l'arrivée (0 = jamais)"),
    "offer_at_wait_s": (0, 7200, "l'attente estimée qui déclenche l'offre à l'arrivée (en secondes, 0 = jamais)"),
}


def _calendar(name: str, cal: CalendarDoc) -> list[Problem]:
    return [Problem(path, message) for path, message in calendar_problems(name, cal)]


def _queue(name: str, queue: QueueDoc, known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for field, (low, high, what) in QUEUE_RANGES.items():
        value = getattr(queue, field)
        if not low <= value <= high:
            problems.append(Problem(f"queues.{name}.{field}",
                                    f"File {name} : {what} doit être entre {low} et {high}, pas {value}"))
    if queue.on_max_wait not in ON_MAX_WAIT:
        problems.append(Problem(f"queues.{name}.on_max_wait", f"File {name} : après l'attente maximale, choisissez "
                                f"{', '.join(ON_MAX_WAIT)} (pas « {queue.on_max_wait} »)"))
    if queue.overflow_queue is not None and queue.overflow_queue not in known:
        problems.append(Problem(f"queues.{name}.overflow_queue",
                                f"La file {name} déborde vers la file inconnue {queue.overflow_queue}"))
    elif queue.overflow_queue == name:
        problems.append(Problem(f"queues.{name}.overflow_queue", f"La file {name} ne peut pas déborder vers elle-même"))
    if queue.on_max_wait == "overflow" and queue.overflow_queue is None:
        problems.append(Problem(f"queues.{name}.overflow_queue",
                                f"La file {name} déborde après l'attente maximale mais n'a pas de file de débordement"))
    return problems


def _option(doc: RulesDocument, menu: str, digit: str, o: OptionDoc) -> list[str]:
    sentences: list[str] = []
    if o.action is MenuAction.SUBMENU:
        if o.target_menu is None:
            sentences.append("ouvre un sous-menu sans dire lequel")
        elif o.target_menu == menu:
            sentences.append("ouvre son propre menu")
    if o.target_menu is not None and o.target_menu not in doc.menus:
        sentences.append(f"ouvre le menu inconnu {o.target_menu}")
    if o.action is MenuAction.QUEUE and o.queue is None and o.sector is None:
        sentences.append("envoie vers une file sans nommer ni file ni secteur")
    if o.queue is not None and o.queue not in doc.queues:
        sentences.append(f"envoie vers la file inconnue {o.queue}")
    if o.sector is not None and o.sector not in doc.sectors:
        sentences.append(f"nomme le secteur inconnu {o.sector}")
    if o.action is MenuAction.ACCESS_CODE and o.service is None:
        sentences.append("demande un code d'accès sans nommer de service")
    if o.service is not None and o.service not in doc.services:
        sentences.append(f"nomme le service inconnu {o.service}")
    if o.action in (MenuAction.INFO_HANGUP, MenuAction.EXTERNAL_NUMBER) and o.prompt is None:
        sentences.append("n'a aucun message à dire")
    if o.prompt is not None and o.prompt not in doc.prompts:
        sentences.append(f"dit le message inconnu {o.prompt}")
    external = o.external_number or ""
    if o.action is MenuAction.EXTERNAL_NUMBER and not (external.isascii() and external.isdigit()):
        sentences.append(f"donne le numéro « {o.external_number or ''} », qui ne contient pas que des chiffres")
    return [f"L'option {digit} du menu {menu} {sentence}" for sentence in sentences]


def _menu(doc: RulesDocument, name: str, menu: MenuDoc) -> list[Problem]:
    problems: list[Problem] = []
    if menu.prompt not in doc.prompts:
        problems.append(Problem(f"menus.{name}.prompt", f"Le menu {name} dit le message inconnu {menu.prompt}"))
    if not 1000 <= menu.timeout_ms <= 30000:
        problems.append(Problem(f"menus.{name}.timeout_ms",
                                f"Menu {name} : l'attente d'une touche doit être entre 1000 et 30000 ms, pas "
                                f"{menu.timeout_ms}"))
    if not menu.options:
        problems.append(Problem(f"menus.{name}.options", f"Le menu {name} n'a aucune option"))
    for digit, option in menu.options.items():
        path = f"menus.{name}.options.{digit}"
        if not re.fullmatch(r"[1-9]", digit):
            problems.append(Problem(path, f"Menu {name} : « {digit} » n'est pas une touche de 1 à 9"))
        problems.extend(Problem(path, sentence) for sentence in _option(doc, name, digit, option))
    return problems


def _references(doc: RulesDocument) -> list[Problem]:
    problems: list[Problem] = []
    if doc.root_menu not in doc.menus:
        problems.append(Problem("root_menu", f"Le premier menu, {doc.root_menu}, n'existe pas"))
    for code, service in doc.services.items():
        if service.calendar not in doc.calendars:
            problems.append(Problem(f"services.{code}.calendar",
                                    f"Le service {code} utilise le calendrier inconnu {service.calendar}"))
        if service.default_queue not in doc.queues:
            problems.append(Problem(f"services.{code}.default_queue",
                                    f"Le service {code} envoie vers la file inconnue {service.default_queue}"))
    owners: dict[str, str] = {}
    for code, sector in doc.sectors.items():
        if sector.queue not in doc.queues:
            problems.append(Problem(f"sectors.{code}.queue",
                                    f"Le secteur {code} envoie vers la file inconnue {sector.queue}"))
        elif sector.queue in owners:
            problems.append(Problem(f"sectors.{code}.queue", f"Les secteurs {owners[sector.queue]} et {code} "
                                                             f"utilisent tous deux la file {sector.queue}"))
        owners.setdefault(sector.queue, code)
        if sector.service not in doc.services:
            problems.append(Problem(f"sectors.{code}.service",
                                    f"Le secteur {code} appartient au service inconnu {sector.service}"))
        if not sector.label.strip():
            problems.append(Problem(f"sectors.{code}.label", f"Le secteur {code} n'a pas de libellé"))
    for name, cal in doc.calendars.items():
        for index, exc in enumerate(cal.exceptions):
            if exc.message_prompt is not None and exc.message_prompt not in doc.prompts:
                problems.append(Problem(f"calendars.{name}.exceptions.{index}.message_prompt",
                                        f"{exception_where(name, exc.kind, exc.starts_on)} : message inconnu "
                                        f"{exc.message_prompt}"))
    for access in doc.access_codes:
        where = f"access_codes.{access.id}"
        if access.service not in doc.services:
            problems.append(Problem(where, f"Le code d'accès {access.label or access.id} ouvre le service "
                                           f"inconnu {access.service}"))
        if access.sector is not None and access.sector not in doc.sectors:
            problems.append(Problem(where, f"Le code d'accès {access.label or access.id} ouvre le secteur "
                                           f"inconnu {access.sector}"))
    return problems


def _prompts(doc: RulesDocument) -> list[Problem]:
    problems = [Problem(f"prompts.{name}", f"Le nom de message « {name} » ne peut contenir que a-z, 0-9, /, _ et -")
                for name in doc.prompts if not PROMPT_NAME.fullmatch(name)]
    problems += [Problem(f"prompts.{name}", f"Le message {name} n'a pas de texte") for name, text in doc.prompts.items()
                 if not text.strip()]
    problems += [Problem(f"recordings.{name}", f"Un enregistrement est associé au message inconnu {name}")
                 for name in doc.recordings if name not in doc.prompts]
    return problems


def validate(doc: RulesDocument) -> list[Problem]:
    """Every problem of `doc`; empty when it can be published."""
    problems: list[Problem] = []
    for name, cal in doc.calendars.items():
        problems.extend(_calendar(name, cal))
    for name, queue in doc.queues.items():
        problems.extend(_queue(name, queue, set(doc.queues)))
    for name, menu in doc.menus.items():
        problems.extend(_menu(doc, name, menu))
    problems.extend(Problem(path, message) for path, message in (*zero_problems(doc), *depth_problems(doc),
                                                                 *topical_problems(doc),
                                                                 *escalation_problems(doc),
                                                                 *survey_problems(doc)))
    problems.extend(_references(doc))
    problems.extend(_prompts(doc))
    if doc.root_menu in doc.menus:
        reached = reachable_sectors(doc)
        problems.extend(Problem(f"sectors.{code}", f"Le secteur {code} n'est joignable depuis aucun menu")
                        for code in doc.sectors if code not in reached)
    return problems

