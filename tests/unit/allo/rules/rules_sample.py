"""A rules document like the one the seed makes (queues, calendars, menus, one access code), built in memory."""

from __future__ import annotations

from acd.callbacks.prompts import CALLBACK_PROMPTS
from allo.db.rules_seed import ESCALATIONS, SECTOR_DIGITS, TAX_INFORMATION_NUMBER
from allo.db.seed import MAX_WAIT, QUEUES, SECTOR_MAX_WAIT
from allo.rules.apply import new_code
from allo.rules.document import (
    CalendarDoc,
    EscalationDoc,
    MenuDoc,
    OptionDoc,
    PeriodDoc,
    QueueDoc,
    RulesDocument,
    SectorDoc,
    ServiceDoc,
)
from allo.rules.edits import RotateCode
from ivr.catalogue import PROMPTS
from routing.rules import MenuAction
from routing.service_hours import GENERAL_WEEKLY, SPECIALIST_WEEKLY

ACCESS_CODE = "246810"


def _calendar(weekly: object) -> CalendarDoc:
    return CalendarDoc(weekly={day: [PeriodDoc(opens=p.opens, closes=p.closes) for p in periods]
                               for day, periods in weekly.items()})  # type: ignore[attr-defined]


def seed_document() -> RulesDocument:
    queues = {}
    for name, label, _level, _sector in QUEUES:
        max_wait, then, overflow = MAX_WAIT.get(name, SECTOR_MAX_WAIT)
        queues[name] = QueueDoc(label=label, max_wait=max_wait, on_max_wait=then, overflow_queue=overflow)
    doc = RulesDocument(
        calendars={"general": _calendar(GENERAL_WEEKLY), "specialist": _calendar(SPECIALIST_WEEKLY)},
        services={"general": ServiceDoc(label="Ligne générale", calendar="general", level=1, default_queue="l1"),
                  "specialist": ServiceDoc(label="Service spécialisé", calendar="specialist", level=2,
                                           default_queue="l2-interieur")},
        sectors={sector: SectorDoc(label=label, queue=name, service="specialist")
                 for name, label, _level, sector in QUEUES if sector is not None},
        queues=queues,
        menus={
            "main": MenuDoc(prompt="allo/menu-principal", options={
                "1": OptionDoc(action=MenuAction.QUEUE, label="Question générale", queue="l1"),
                "2": OptionDoc(action=MenuAction.ACCESS_CODE, label="Service spécialisé (code)",
                               service="specialist", target_menu="secteurs"),
                "3": OptionDoc(action=MenuAction.INFO_HANGUP, label="Informations en ligne",
                               prompt="allo/info-service-public"),
                "4": OptionDoc(action=MenuAction.EXTERNAL_NUMBER, label="Impôts", prompt="allo/info-impots",
                               external_number=TAX_INFORMATION_NUMBER),
                "5": OptionDoc(action=MenuAction.CALLBACK, label="Être rappelé"),
            }),
            "secteurs": MenuDoc(prompt="allo/menu-secteurs", options={
                digit: OptionDoc(action=MenuAction.QUEUE, label=sector, sector=sector)
                for digit, sector in SECTOR_DIGITS.items()}),
        },
        prompts={**PROMPTS, **CALLBACK_PROMPTS},
        escalations={target: EscalationDoc(sector=sector, pivot=pivot, instruction=instruction)
                     for target, sector, pivot, instruction in ESCALATIONS},
    )
    code, _plain = new_code(doc, RotateCode(op="rotate_code", service="specialist", code=ACCESS_CODE))
    doc.access_codes = [code.model_copy(update={"id": 1})]
    return doc
