"""The topical message's own rules (pure): its prompt name, its checks, and applying its edits to a document.

A topical message is a prompt like any other (`prompts[name]`, synthesised by the service on the rules reload, or
an uploaded recording), named after a hash of its text so that two versions never share a sound file and a
rollback brings back the right one. Checks return (path, French message) pairs; allo.rules.validate makes them
Problems.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from allo.rules.document import RulesDocument, TopicalDoc
from routing.calendar_types import PARIS

PREFIX = "allo/actualite-"
# Every caller who presses nothing hears it before level 1. Measured with espeak-ng: 59 characters 3.5 s, 120
# characters 6.9 s. A silent caller is queued 24.0 s after the answer with the seeded rules (30 s promised): 90
# characters (about 5.2 s) keep the promise; the budget warning (20 s) shows the rest.
MAX_CHARS = 90
MIN_CHARS = 10
MAX_DAYS = 92  # a peak, not a permanent message: that belongs in the welcome


def prompt_name(text: str) -> str:
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()[:12]


def topical_problems(doc: RulesDocument) -> list[tuple[str, str]]:
    topical = doc.topical
    if topical is None:
        return []
    problems: list[tuple[str, str]] = []
    text = topical.text.strip()
    if len(text) < MIN_CHARS:
        problems.append(("topical.text", f"Le message d'actualité est trop court ({MIN_CHARS} caractères au moins)"))
    if len(text) > MAX_CHARS:
        problems.append(("topical.text", f"Le message d'actualité fait {len(text)} caractères : {MAX_CHARS} au plus "
                                         "(chaque appelant l'entend avant le menu)"))
    if not any(ch.isalpha() for ch in text):
        problems.append(("topical.text", "Le message d'actualité doit être une phrase en français"))
    if doc.prompts.get(topical.prompt) != topical.text:
        problems.append(("topical.prompt", f"Le message d'actualité ne correspond pas au message {topical.prompt}"))
    if topical.starts is not None and topical.ends <= topical.starts:
        problems.append(("topical.ends", "La fin du message d'actualité doit être après son début"))
    if topical.starts is not None and (topical.ends - topical.starts).days > MAX_DAYS:
        problems.append(("topical.ends", f"Un message d'actualité dure {MAX_DAYS} jours au plus"))
    return problems


def window_problems(starts: datetime | None, ends: datetime, now: datetime) -> list[tuple[str, str]]:
    """Checked when a message is set (not in `validate`: an old version rolled back may have ended, harmlessly)."""
    if ends <= now:
        return [("topical.ends", f"La fin du message d'actualité ({ends.astimezone(PARIS):%d/%m/%Y %H:%M}) est "
                                 "déjà passée")]
    if (ends - (starts or now)).days > MAX_DAYS:
        return [("topical.ends", f"Un message d'actualité dure {MAX_DAYS} jours au plus")]
    return []


def set_topical(doc: RulesDocument, text: str, ends: datetime, starts: datetime | None = None) -> None:
    """In place: the message and its prompt; the previous message's prompt goes (nothing else refers to it)."""
    clear_topical(doc)
    text = " ".join(text.split())
    name = prompt_name(text)
    doc.prompts[name] = text
    doc.topical = TopicalDoc(prompt=name, text=text, starts=starts, ends=ends, enabled=True)


def clear_topical(doc: RulesDocument) -> None:
    doc.topical = None
    for name in [name for name in doc.prompts if name.startswith(PREFIX)]:
        del doc.prompts[name]
        doc.recordings.pop(name, None)
