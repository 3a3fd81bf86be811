"""The small typed edits of a rules draft, as JSON sends them (discriminated on `op`); applied by allo.rules.apply."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from allo.rules.document import PeriodDoc
from allo.rules.validate import Problem
from routing.calendar_types import ExceptionKind
from routing.rules import MenuAction


class RulesEditError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetWeekly(_Edit):
    op: Literal["set_weekly"]
    calendar: str
    weekday: int
    periods: list[PeriodDoc]  # empty: closed that day


class AddException(_Edit):
    op: Literal["add_exception"]
    calendar: str
    kind: ExceptionKind
    starts_on: date
    ends_on: date
    opens: time | None = None
    closes: time | None = None
    message_text: str | None = None  # a note for the history; said to callers only with say_text
    message_prompt: str | None = None  # the prompt said to callers
    say_text: bool = False  # without message_prompt: make message_text a prompt (allo/exception-<calendar>-<date>)


class RemoveException(_Edit):
    op: Literal["remove_exception"]
    calendar: str
    index: int


class SetHolidays(_Edit):
    op: Literal["set_holidays"]
    calendar: str
    public_holidays: bool
    subdivision: str | None = None


class SetMenu(_Edit):
    op: Literal["set_menu"]
    menu: str
    prompt: str | None = None
    timeout_ms: int | None = None


class SetMenuOption(_Edit):
    op: Literal["set_menu_option"]
    menu: str
    digit: str
    action: MenuAction
    label: str = ""
    target_menu: str | None = None
    queue: str | None = None
    sector: str | None = None
    service: str | None = None
    prompt: str | None = None
    external_number: str | None = None


class RemoveMenuOption(_Edit):
    op: Literal["remove_menu_option"]
    menu: str
    digit: str


class SetPromptText(_Edit):
    op: Literal["set_prompt_text"]
    name: str
    text: str


class SetRecording(_Edit):
    """Play an uploaded recording (prompt_recordings.id) for a prompt, or None to go back to the spoken text."""

    op: Literal["set_recording"]
    name: str
    recording_id: int | None


class SetSector(_Edit):
    op: Literal["set_sector"]
    code: str
    label: str | None = None
    queue: str | None = None
    service: str | None = None


class SetQueue(_Edit):
    """Only the fields sent are changed (send overflow_queue: null to remove the overflow queue)."""

    op: Literal["set_queue"]
    name: str
    max_wait: int | None = None
    on_max_wait: str | None = None
    overflow_queue: str | None = None
    announce_frequency: int | None = None
    service_level: int | None = None
    sl_target_pct: int | None = None
    short_abandon: int | None = None
    asa_target: int | None = None
    abandon_target_pct: int | None = None
    offer_at_waiting: int | None = None
    offer_at_wait_s: int | None = None


class RotateCode(_Edit):
    """A new code for the scope (service, sector); the scope's current codes leave the draft (retired at publish)."""

    op: Literal["rotate_code"]
    service: str
    sector: str | None = None
    label: str = ""
    code: str | None = None  # chosen by the user; drawn at random when absent


class RetireCode(_Edit):
    op: Literal["retire_code"]
    id: int


class SetTopical(_Edit):
    """The topical message (a naive time is Paris time); its end must be in the future when it is set."""

    op: Literal["set_topical"]
    text: str = Field(max_length=2000)
    ends: datetime
    starts: datetime | None = None


class ClearTopical(_Edit):
    op: Literal["clear_topical"]


class SetEscalation(_Edit):
    """An escalation sheet for a theme, dossier or sheet id: exactly one of a level-2 sector and a pivot code."""

    op: Literal["set_escalation"]
    target_id: str = Field(max_length=32)
    sector: str | None = None
    pivot: str | None = Field(default=None, max_length=64)
    instruction: str = Field(max_length=2000)


class RemoveEscalation(_Edit):
    op: Literal["remove_escalation"]
    target_id: str


class SetSurvey(_Edit):
    """The satisfaction survey on or off, and its share: one call in `one_in` (1-100). Its prompts' texts are
    edited with set_prompt_text."""

    op: Literal["set_survey"]
    enabled: bool
    one_in: int


Edit = Annotated[SetWeekly | AddException | RemoveException | SetHolidays | SetMenu | SetMenuOption
                 | RemoveMenuOption | SetPromptText | SetRecording | SetSector | SetQueue | RotateCode | RetireCode
                 | SetTopical | ClearTopical | SetEscalation | RemoveEscalation | SetSurvey,
                 Field(discriminator="op")]
EDIT = TypeAdapter(Edit)


# French for the pydantic errors a hand-made edit can get (the API's callers are the ops pages and scripts).
FIELD_ERRORS = {
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu pour cette modification",
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "bool_parsing": "doit être vrai ou faux",
    "bool_type": "doit être vrai ou faux",
    "date_parsing": "doit être une date (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "doit être une date (AAAA-MM-JJ)",
    "date_type": "doit être une date (AAAA-MM-JJ)",
    "datetime_parsing": "doit être une date et une heure (AAAA-MM-JJ HH:MM)",
    "datetime_from_date_parsing": "doit être une date et une heure (AAAA-MM-JJ HH:MM)",
    "datetime_type": "doit être une date et une heure (AAAA-MM-JJ HH:MM)",
    "string_too_long": "texte trop long",
    "time_parsing": "doit être une heure (HH:MM)",
    "time_type": "doit être une heure (HH:MM)",
    "string_type": "doit être un texte",
    "list_type": "doit être une liste",
    "model_type": "doit être un objet JSON",
    "model_attributes_type": "doit être un objet JSON",
    "dict_type": "doit être un objet JSON",
    "union_tag_not_found": "indiquez la modification (champ op)",
}


def _french(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")
        return f"valeur « {err['input']} » non prévue (possibles : {expected})"
    if kind == "union_tag_invalid":
        return (f"modification « {ctx.get('tag', '')} » inconnue "
                f"(possibles : {str(ctx.get('expected_tags', '')).replace(' or ', ' ou ')})")
    return FIELD_ERRORS.get(kind, f"valeur refusée ({err['msg']})")


def parse_edit(data: Any) -> Edit:
    """An edit from JSON, or RulesEditError with one readable (French) problem per wrong field."""
    try:
        return EDIT.validate_python(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            path = ".".join(str(part) for part in err["loc"]) or "edit"
            field = ".".join(str(part) for part in err["loc"][1:])  # loc starts with the op
            problems.append(Problem(path, f"« {field} » : {_french(err)}" if field
                                    else f"Modification refusée : {_french(err)}"))
        raise RulesEditError(problems) from None
