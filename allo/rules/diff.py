"""What changed between two rules documents, path by path, in words a person reads (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allo.rules.document import ExceptionDoc, PeriodDoc, RulesDocument
from allo.rules.survey import summary
from routing.calendar import WEEKDAY_NAMES
from routing.calendar_types import PARIS


@dataclass(frozen=True)
class Change:
    path: str
    before: Any  # None: did not exist
    after: Any  # None: removed

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


def _periods(periods: list[PeriodDoc]) -> str:
    return ", ".join(f"{p.opens:%H:%M}-{p.closes:%H:%M}" for p in periods) or "closed"


def _exception(e: ExceptionDoc) -> str:
    days = str(e.starts_on) if e.starts_on == e.ends_on else f"{e.starts_on} to {e.ends_on}"
    hours = f" {e.opens:%H:%M}-{e.closes:%H:%M}" if e.opens is not None and e.closes is not None else ""
    message = f" «{e.message_text}»" if e.message_text else (f" ({e.message_prompt})" if e.message_prompt else "")
    return f"{e.kind.value} {days}{hours}{message}"


def _flatten(doc: RulesDocument) -> dict[str, Any]:
    flat: dict[str, Any] = {"root_menu": doc.root_menu, "survey": summary(doc.survey)}
    for name, cal in doc.calendars.items():
        for day, day_name in enumerate(WEEKDAY_NAMES):
            flat[f"calendars.{name}.weekly.{day_name}"] = _periods(cal.weekly.get(day, []))
        for field in ("public_holidays", "holiday_subdivision", "timezone"):
            flat[f"calendars.{name}.{field}"] = getattr(cal, field)
    for section in ("services", "sectors", "queues"):
        for key, item in getattr(doc, section).items():
            for field, value in item.model_dump(mode="json").items():
                flat[f"{section}.{key}.{field}"] = value
    for name, menu in doc.menus.items():
        flat[f"menus.{name}.prompt"] = menu.prompt
        flat[f"menus.{name}.timeout_ms"] = menu.timeout_ms
        for digit, option in menu.options.items():
            flat[f"menus.{name}.options.{digit}"] = option.model_dump(mode="json", exclude_none=True)
    flat.update({f"prompts.{name}": text for name, text in doc.prompts.items()})
    flat.update({f"recordings.{name}": rec for name, rec in doc.recordings.items()})
    flat.update({f"access_codes.{c.id}": {"label": c.label, "service": c.service, "sector": c.sector}
                 for c in doc.access_codes})
    flat.update({f"escalations.{target}": e.model_dump(mode="json", exclude_none=True)
                 for target, e in doc.escalations.items()})
    if doc.topical is not None:  # instants compared as instants (the tables give them back in UTC)
        flat["topical"] = {**doc.topical.model_dump(mode="json", exclude={"starts", "ends"}),
                           "starts": _instant(doc.topical.starts), "ends": _instant(doc.topical.ends)}
    return flat


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(PARIS).strftime("%Y-%m-%d %H:%M %z")


def _exception_changes(a: RulesDocument, b: RulesDocument) -> list[Change]:
    """Exceptions have no identity but their content: report the ones removed and the ones added."""
    changes: list[Change] = []
    for name in sorted(set(a.calendars) | set(b.calendars)):
        before = Counter(_exception(e) for e in (a.calendars[name].exceptions if name in a.calendars else []))
        after = Counter(_exception(e) for e in (b.calendars[name].exceptions if name in b.calendars else []))
        path = f"calendars.{name}.exceptions"
        changes += [Change(path, text, None) for text in sorted((before - after).elements())]
        changes += [Change(path, None, text) for text in sorted((after - before).elements())]
    return changes


def diff(a: RulesDocument, b: RulesDocument) -> list[Change]:
    """Changes from `a` to `b`; empty when they route every call the same way with the same words."""
    flat_a, flat_b = _flatten(a), _flatten(b)
    changes = [Change(path, flat_a.get(path), flat_b.get(path))
               for path in sorted(set(flat_a) | set(flat_b)) if flat_a.get(path) != flat_b.get(path)]
    return changes + _exception_changes(a, b)
