"""Apply one edit to a rules document (pure). An edit that would make the document invalid changes nothing.

`apply_edit(doc, edit)` returns a new document (and, for rotate_code, the new code in clear, to be shown once),
or raises RulesEditError with readable problems: the edit itself is impossible (unknown calendar, no such
option...) or the document would get a problem it did not have (overlapping periods, unreachable sector...).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from allo.rules.document import AccessCodeDoc, ExceptionDoc, OptionDoc, RulesDocument
from allo.rules.edits import (
    AddException,
    ClearTopical,
    Edit,
    RemoveEscalation,
    RemoveException,
    RemoveMenuOption,
    RetireCode,
    RotateCode,
    RulesEditError,
    SetEscalation,
    SetHolidays,
    SetMenu,
    SetMenuOption,
    SetPromptText,
    SetQueue,
    SetRecording,
    SetSector,
    SetSurvey,
    SetTopical,
    SetWeekly,
)
from allo.rules.escalations import set_escalation
from allo.rules.survey import set_survey
from allo.rules.topical import clear_topical, set_topical
from allo.rules.validate import QUEUE_RANGES, Problem, validate
from routing.calendar_types import PARIS
from routing.rules import PBKDF2_ITERATIONS, hash_code


def _refuse(path: str, message: str) -> RulesEditError:
    return RulesEditError([Problem(path, message)])


def _calendar(doc: RulesDocument, name: str) -> None:
    if name not in doc.calendars:
        raise _refuse("calendar",
                      f"Calendrier inconnu : {name} (calendriers existants : {', '.join(sorted(doc.calendars))})")


def _menu(doc: RulesDocument, name: str) -> None:
    if name not in doc.menus:
        raise _refuse("menu", f"Menu inconnu : {name} (menus existants : {', '.join(sorted(doc.menus))})")


def new_code(doc: RulesDocument, edit: RotateCode) -> tuple[AccessCodeDoc, str]:
    plain = edit.code if edit.code is not None else "".join(secrets.choice("0123456789") for _ in range(6))
    if not (plain.isascii() and plain.isdigit()) or not 4 <= len(plain) <= 12:
        raise _refuse("code", "Un code d'accès se compose de 4 à 12 chiffres")
    salt = secrets.token_bytes(16)
    next_id = min([c.id for c in doc.access_codes] + [0]) - 1
    label = edit.label or f"{edit.service}/{edit.sector or 'all sectors'}"
    return AccessCodeDoc(id=next_id, label=label, service=edit.service, sector=edit.sector,
                         code_hash=hash_code(plain, salt, PBKDF2_ITERATIONS).hex(), salt=salt.hex(),
                         iterations=PBKDF2_ITERATIONS), plain


def _message_prompt(doc: RulesDocument, edit: AddException) -> str:
    """A prompt saying the exception's message (callers hear prompts, not texts); reused when the text is the same."""
    base = f"allo/exception-{edit.calendar}-{edit.starts_on.isoformat()}"
    name, n = base, 1
    while name in doc.prompts and doc.prompts[name] != edit.message_text:
        n += 1
        name = f"{base}-{n}"
    doc.prompts[name] = edit.message_text or ""
    return name


def _calendar_edit(doc: RulesDocument, edit: SetWeekly | AddException | RemoveException | SetHolidays) -> None:
    _calendar(doc, edit.calendar)
    cal = doc.calendars[edit.calendar]
    match edit:
        case SetWeekly():
            if not 0 <= edit.weekday <= 6:
                raise _refuse("weekday", f"Le jour {edit.weekday} n'existe pas (0 = lundi … 6 = dimanche)")
            if edit.periods:
                cal.weekly[edit.weekday] = sorted(edit.periods, key=lambda p: (p.opens, p.closes))
            else:
                cal.weekly.pop(edit.weekday, None)
        case AddException():
            prompt = edit.message_prompt
            if prompt is None and edit.say_text and edit.message_text and edit.message_text.strip():
                prompt = _message_prompt(doc, edit)
            cal.exceptions.append(ExceptionDoc(kind=edit.kind, starts_on=edit.starts_on, ends_on=edit.ends_on,
                                               opens=edit.opens, closes=edit.closes, message_text=edit.message_text,
                                               message_prompt=prompt))
        case RemoveException():
            if not 0 <= edit.index < len(cal.exceptions):
                raise _refuse("index", f"Le calendrier {edit.calendar} n'a pas d'exception numéro {edit.index}")
            del cal.exceptions[edit.index]
        case SetHolidays():
            cal.public_holidays = edit.public_holidays
            cal.holiday_subdivision = edit.subdivision


def _menu_edit(doc: RulesDocument, edit: SetMenu | SetMenuOption | RemoveMenuOption) -> None:
    _menu(doc, edit.menu)
    menu = doc.menus[edit.menu]
    match edit:
        case SetMenu():
            menu.prompt = edit.prompt if edit.prompt is not None else menu.prompt
            menu.timeout_ms = edit.timeout_ms if edit.timeout_ms is not None else menu.timeout_ms
        case SetMenuOption():
            menu.options[edit.digit] = OptionDoc(**edit.model_dump(exclude={"op", "menu", "digit"}))
        case RemoveMenuOption():
            if edit.digit not in menu.options:
                raise _refuse("digit", f"Le menu {edit.menu} n'a pas d'option {edit.digit}")
            del menu.options[edit.digit]


def _sector_edit(doc: RulesDocument, edit: SetSector) -> None:
    sector = doc.sectors.get(edit.code)
    if sector is None:
        raise _refuse("code", f"Secteur inconnu : {edit.code} (secteurs existants : {', '.join(sorted(doc.sectors))})")
    sector.label = edit.label if edit.label is not None else sector.label
    sector.queue = edit.queue if edit.queue is not None else sector.queue
    sector.service = edit.service if edit.service is not None else sector.service
    if sector.queue in doc.queues:  # the table keeps one label for a sector and its queue
        doc.queues[sector.queue].label = sector.label


def _queue_edit(doc: RulesDocument, edit: SetQueue) -> None:
    queue = doc.queues.get(edit.name)
    if queue is None:
        raise _refuse("name", f"File inconnue : {edit.name} (files existantes : {', '.join(sorted(doc.queues))})")
    for field in edit.model_fields_set - {"op", "name"}:
        value = getattr(edit, field)
        if value is None and field != "overflow_queue":
            what = QUEUE_RANGES[field][2] if field in QUEUE_RANGES else "le choix après l'attente maximale"
            raise _refuse(field, f"File {edit.name} : {what} ne peut pas être vide")
        setattr(queue, field, value)


def _code_edit(doc: RulesDocument, edit: RotateCode | RetireCode) -> str | None:
    match edit:
        case RotateCode():
            if edit.service not in doc.services:
                raise _refuse("service", f"Service inconnu : {edit.service}")
            if edit.sector is not None and edit.sector not in doc.sectors:
                raise _refuse("sector", f"Secteur inconnu : {edit.sector}")
            code, plain = new_code(doc, edit)
            doc.access_codes = [c for c in doc.access_codes
                                if (c.service, c.sector) != (edit.service, edit.sector)] + [code]
            return plain
        case RetireCode():
            if edit.id not in {c.id for c in doc.access_codes}:
                raise _refuse("id", f"Aucun code d'accès actif numéro {edit.id}")
            doc.access_codes = [c for c in doc.access_codes if c.id != edit.id]
    return None


def _apply(doc: RulesDocument, edit: Edit) -> str | None:
    """Change `doc` in place; returns the code in clear for rotate_code."""
    match edit:
        case SetWeekly() | AddException() | RemoveException() | SetHolidays():
            _calendar_edit(doc, edit)
        case SetMenu() | SetMenuOption() | RemoveMenuOption():
            _menu_edit(doc, edit)
        case SetPromptText():
            doc.prompts[edit.name] = edit.text
        case SetRecording():
            if edit.name not in doc.prompts:
                raise _refuse("name", f"Message inconnu : {edit.name}")
            if edit.recording_id is None:
                doc.recordings.pop(edit.name, None)
            else:
                doc.recordings[edit.name] = edit.recording_id
        case SetSector():
            _sector_edit(doc, edit)
        case SetQueue():
            _queue_edit(doc, edit)
        case RotateCode() | RetireCode():
            return _code_edit(doc, edit)
        case SetTopical():
            set_topical(doc, edit.text, _paris(edit.ends), _paris(edit.starts) if edit.starts else None)
        case ClearTopical():
            if doc.topical is None:
                raise _refuse("topical", "Il n'y a pas de message d'actualité à retirer")
            clear_topical(doc)
        case SetEscalation():
            set_escalation(doc, edit.target_id, edit.sector, edit.pivot, edit.instruction)
        case RemoveEscalation():
            if edit.target_id not in doc.escalations:
                raise _refuse("target_id", f"Il n'y a pas de fiche de remontée pour {edit.target_id}")
            del doc.escalations[edit.target_id]
        case SetSurvey():
            set_survey(doc, edit.enabled, edit.one_in)
    return None


def _paris(moment: datetime) -> datetime:
    """A time typed without an offset is Paris time (what ops mean)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)


def apply_edit(doc: RulesDocument, edit: Edit) -> tuple[RulesDocument, str | None]:
    before = {(p.path, p.message) for p in validate(doc)}
    new = doc.model_copy(deep=True)
    plain = _apply(new, edit)
    introduced = [p for p in validate(new) if (p.path, p.message) not in before]
    if introduced:
        raise RulesEditError(introduced)
    return new, plain
