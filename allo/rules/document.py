"""The rules as one editable document (drafts, published versions, diffs), and its snapshot for the simulator.

Pure data: JSON-serialisable (stored in rules_versions.document and rules_drafts.document), no I/O. Queues are
not created or deleted here, only their thresholds and the sector → queue mapping are edited. Access codes are
only hashes; the document lists the active ones (a code absent from a published document is retired).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from routing.calendar_types import PARIS_NAME, Calendar, CalendarException, ExceptionKind, Period
from routing.rules import AccessCode, Menu, MenuAction, MenuOption, RulesSnapshot, Sector, Service, Topical
from routing.survey import Survey

# "HH:MM" in JSON (seconds are never used by the rules).
HHMM = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeriodDoc(_Doc):
    opens: HHMM
    closes: HHMM  # 00:00 = midnight


class ExceptionDoc(_Doc):
    kind: ExceptionKind
    starts_on: date
    ends_on: date
    opens: HHMM | None = None  # both None: whole days
    closes: HHMM | None = None
    message_prompt: str | None = None
    message_text: str | None = None


class CalendarDoc(_Doc):
    weekly: dict[int, list[PeriodDoc]] = Field(default_factory=dict)  # 0 = Monday; a missing day is closed
    exceptions: list[ExceptionDoc] = Field(default_factory=list)
    public_holidays: bool = True
    holiday_subdivision: str | None = None
    timezone: str = PARIS_NAME


class ServiceDoc(_Doc):
    label: str
    calendar: str
    level: int
    default_queue: str


class SectorDoc(_Doc):
    label: str
    queue: str
    service: str


class QueueDoc(_Doc):
    label: str  # read-only here: a sector's label is written to its queue's label
    max_wait: int = 600
    on_max_wait: str = "callback"
    overflow_queue: str | None = None
    announce_frequency: int = 60
    service_level: int = 20
    sl_target_pct: int = 80
    short_abandon: int = 5
    asa_target: int = 30
    abandon_target_pct: int = 10
    offer_at_waiting: int = 0
    offer_at_wait_s: int = 0


QUEUE_THRESHOLDS = ("max_wait", "on_max_wait", "overflow_queue", "announce_frequency", "service_level",
                    "sl_target_pct", "short_abandon", "asa_target", "abandon_target_pct", "offer_at_waiting",
                    "offer_at_wait_s")


class OptionDoc(_Doc):
    action: MenuAction
    label: str = ""
    target_menu: str | None = None
    queue: str | None = None
    sector: str | None = None
    service: str | None = None
    prompt: str | None = None
    external_number: str | None = None


class MenuDoc(_Doc):
    prompt: str
    timeout_ms: int = 5000
    options: dict[str, OptionDoc] = Field(default_factory=dict)  # by digit


class AccessCodeDoc(_Doc):
    """An active code. `id` < 0: created in a draft, gets its row id at publish."""

    id: int
    label: str
    service: str
    sector: str | None = None
    code_hash: str  # hex
    salt: str  # hex
    iterations: int


class TopicalDoc(_Doc):
    """The topical message: its text (also in `prompts[prompt]`, the TTS source), its window, on or off."""

    prompt: str
    text: str
    starts: datetime | None = None  # None: from publication
    ends: datetime
    enabled: bool = True


class EscalationDoc(_Doc):
    """An escalation sheet: who takes the questions of a theme, dossier or sheet (allo/rules/escalations.py).
    Exactly one of `sector` (a level-2 sector of this document) and `pivot` (an outside body's pivot code)."""

    sector: str | None = None
    pivot: str | None = None
    instruction: str


class SurveyDoc(_Doc):
    """The satisfaction survey (docs/after-call.md): on or off, and one call in `one_in`. Its prompts' texts are in
    `prompts` (routing/survey.py names them)."""

    enabled: bool = True
    one_in: int = Field(default=5, ge=1, le=100)


class RulesDocument(_Doc):
    calendars: dict[str, CalendarDoc] = Field(default_factory=dict)
    services: dict[str, ServiceDoc] = Field(default_factory=dict)
    sectors: dict[str, SectorDoc] = Field(default_factory=dict)
    queues: dict[str, QueueDoc] = Field(default_factory=dict)
    menus: dict[str, MenuDoc] = Field(default_factory=dict)
    prompts: dict[str, str] = Field(default_factory=dict)  # name -> French text (also the TTS source)
    recordings: dict[str, int] = Field(default_factory=dict)  # prompt name -> prompt_recordings.id
    access_codes: list[AccessCodeDoc] = Field(default_factory=list)
    root_menu: str = "main"
    topical: TopicalDoc | None = None  # absent from versions older than migration 0014
    escalations: dict[str, EscalationDoc] = Field(default_factory=dict)  # by target id; absent before 0015
    survey: SurveyDoc = Field(default_factory=SurveyDoc)  # absent from versions older than migration 0017

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def public(self) -> dict[str, Any]:
        """JSON for the API: access codes without their hash and salt (a 6-digit code is cheap to brute-force)."""
        data = self.to_json()
        for code in data["access_codes"]:
            del code["code_hash"], code["salt"], code["iterations"]
        return data


def _period(p: PeriodDoc) -> Period:
    return Period(p.opens, p.closes)


def calendar_of(name: str, c: CalendarDoc) -> Calendar:
    exceptions = tuple(
        CalendarException(e.kind, e.starts_on, e.ends_on,
                          (Period(e.opens, e.closes),) if e.opens is not None and e.closes is not None else (),
                          e.message_prompt, e.message_text)
        for e in c.exceptions)
    weekly = {day: tuple(sorted(_period(p) for p in periods)) for day, periods in c.weekly.items() if periods}
    return Calendar(name, weekly, exceptions, c.public_holidays, c.holiday_subdivision, c.timezone)


def to_snapshot(doc: RulesDocument, version: int) -> RulesSnapshot:
    """The snapshot the menu engine runs on (what load_rules would read once `doc` is published)."""
    return RulesSnapshot(
        version=version,
        services={code: Service(code, s.label, s.calendar, s.level, s.default_queue)
                  for code, s in doc.services.items()},
        calendars={name: calendar_of(name, c) for name, c in doc.calendars.items()},
        sectors={code: Sector(code, s.label, s.queue, s.service) for code, s in doc.sectors.items()},
        menus={name: Menu(name, m.prompt,
                          {digit: MenuOption(digit, o.action, o.label, o.target_menu, o.queue, o.sector, o.service,
                                             o.prompt, o.external_number) for digit, o in m.options.items()},
                          m.timeout_ms)
               for name, m in doc.menus.items()},
        access_codes=tuple(AccessCode(c.id, bytes.fromhex(c.code_hash), bytes.fromhex(c.salt), c.iterations, c.sector,
                                      c.service) for c in doc.access_codes),
        prompts=dict(doc.prompts),
        root_menu=doc.root_menu,
        topical=Topical(doc.topical.prompt, doc.topical.ends, doc.topical.starts)
        if doc.topical is not None and doc.topical.enabled else None,
        survey=Survey(doc.survey.enabled, doc.survey.one_in),
    )
