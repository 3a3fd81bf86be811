"""Diff between two rules documents: one readable change per path."""

from __future__ import annotations

from allo.rules.apply import apply_edit
from allo.rules.diff import Change, diff
from allo.rules.edits import parse_edit


def test_no_change_no_diff(doc):
    assert diff(doc, doc.model_copy(deep=True)) == []


def test_changes_path_by_path(doc):
    new, _ = apply_edit(doc, parse_edit({"op": "set_weekly", "calendar": "general", "weekday": 5,
                                         "periods": [{"opens": "09:00", "closes": "12:00"}]}))
    new, _ = apply_edit(new, parse_edit({"op": "set_queue", "name": "l1", "max_wait": 300}))
    new, _ = apply_edit(new, parse_edit({"op": "set_prompt_text", "name": "allo/bienvenue", "text": "Salut"}))
    new, _ = apply_edit(new, parse_edit({"op": "remove_menu_option", "menu": "main", "digit": "5"}))
    assert diff(doc, new) == [
        Change("calendars.general.weekly.Saturday", "08:30-18:30", "09:00-12:00"),
        Change("menus.main.options.5", {"action": "callback", "label": "Être rappelé"}, None),
        Change("prompts.allo/bienvenue", doc.prompts["allo/bienvenue"], "Salut"),
        Change("queues.l1.max_wait", 900, 300),
    ]
    assert [c.path for c in diff(new, doc)] == [c.path for c in diff(doc, new)]


def test_exceptions_are_listed_as_added_and_removed(doc):
    new, _ = apply_edit(doc, parse_edit({"op": "add_exception", "calendar": "general", "kind": "closure",
                                         "starts_on": "2026-12-24", "ends_on": "2026-12-24", "opens": "14:00",
                                         "closes": "00:00", "message_text": "Réveillon", "say_text": True}))
    added = "closure 2026-12-24 14:00-00:00 «Réveillon»"
    prompt = Change("prompts.allo/exception-general-2026-12-24", None, "Réveillon")
    assert diff(doc, new) == [prompt, Change("calendars.general.exceptions", None, added)]
    assert diff(new, doc) == [Change(prompt.path, "Réveillon", None),
                              Change("calendars.general.exceptions", added, None)]


def test_a_code_rotation_shows_no_hash(doc):
    new, _ = apply_edit(doc, parse_edit({"op": "rotate_code", "service": "specialist", "code": "97531"}))
    changes = diff(doc, new)
    assert changes == [
        Change("access_codes.-1", None, {"label": "specialist/all sectors", "service": "specialist", "sector": None}),
        Change("access_codes.1", {"label": "specialist/all sectors", "service": "specialist", "sector": None}, None),
    ]
    assert doc.access_codes[0].code_hash not in str(changes)
