"""Ops forms turned into rules edits: what the pages post, read without the backend."""

from __future__ import annotations

import pytest

from allo.rules.edits import parse_edit
from allo.web.ops_forms import FormError, edit_from_form, field_of, format_periods, parse_periods, section_of


def test_periods_are_read_in_the_usual_french_spellings():
    assert parse_periods("08:30-12:00, 13h30-17h00") == [{"opens": "08:30", "closes": "12:00"},
                                                         {"opens": "13:30", "closes": "17:00"}]
    assert parse_periods("8:00 \u2013 20:00") == [{"opens": "08:00", "closes": "20:00"}]
    assert parse_periods("9:00 à 12:00;14:00-16:00\n") == [{"opens": "09:00", "closes": "12:00"},
                                                           {"opens": "14:00", "closes": "16:00"}]
    assert parse_periods("") == [] and parse_periods("fermé") == []


@pytest.mark.parametrize("text", ["8-12", "08:00", "25:00-26:00", "08:61-09:00", "matin"])
def test_unreadable_periods_are_refused_with_the_day_named(text):
    with pytest.raises(FormError, match="mardi"):
        parse_periods(text, "mardi")


def test_format_periods_round_trips():
    text = "08:30-12:00, 13:30-17:00"
    assert format_periods(parse_periods(text)) == text
    assert format_periods([{"opens": "08:30:00", "closes": "18:15:00"}]) == "08:30-18:15"


def test_weekly_form():
    edit = edit_from_form({"op": "set_weekly", "calendar": "general", "weekday": "0",
                           "periods": "08:00-12:00, 11:00-13:00"})
    assert edit == {"op": "set_weekly", "calendar": "general", "weekday": 0,
                    "periods": [{"opens": "08:00", "closes": "12:00"}, {"opens": "11:00", "closes": "13:00"}]}
    with pytest.raises(FormError, match="Jour"):
        edit_from_form({"op": "set_weekly", "calendar": "general", "weekday": "7", "periods": ""})


def test_exception_form_one_day_by_default_and_optional_hours():
    edit = edit_from_form({"op": "add_exception", "calendar": "general", "kind": "closure",
                           "starts_on": "2026-11-23", "ends_on": "", "hours": "", "message_text": " Grève "})
    assert edit == {"op": "add_exception", "calendar": "general", "kind": "closure", "starts_on": "2026-11-23",
                    "ends_on": "2026-11-23", "message_text": "Grève"}
    opening = edit_from_form({"op": "add_exception", "calendar": "general", "kind": "opening",
                              "starts_on": "2026-12-26", "ends_on": "2026-12-26", "hours": "09:00-12:00"})
    assert opening["opens"] == "09:00" and opening["closes"] == "12:00" and "message_text" not in opening
    with pytest.raises(FormError, match="obligatoire"):
        edit_from_form({"op": "add_exception", "calendar": "general", "kind": "closure", "starts_on": ""})


def test_holidays_menu_and_queue_forms():
    assert edit_from_form({"op": "set_holidays", "calendar": "general", "subdivision": "57"}) == {
        "op": "set_holidays", "calendar": "general", "public_holidays": False, "subdivision": "57"}
    option = edit_from_form({"op": "set_menu_option", "menu": "main", "digit": "6", "action": "queue",
                             "label": "Travail", "queue": "", "sector": "travail"})
    assert option == {"op": "set_menu_option", "menu": "main", "digit": "6", "action": "queue", "label": "Travail",
                      "sector": "travail"}
    with pytest.raises(FormError, match="touche"):
        edit_from_form({"op": "set_menu_option", "menu": "main", "digit": "12", "action": "queue"})
    queue = edit_from_form({"op": "set_queue", "name": "l1", "max_wait": "300", "overflow_queue": "",
                            "sl_target_pct": "85"})
    assert queue == {"op": "set_queue", "name": "l1", "max_wait": 300, "overflow_queue": None, "sl_target_pct": 85}
    with pytest.raises(FormError, match="nombre"):
        edit_from_form({"op": "set_queue", "name": "l1", "max_wait": "dix"})
    offer = edit_from_form({"op": "set_queue", "name": "l1", "offer_at_waiting": "8", "offer_at_wait_s": "600"})
    assert offer == {"op": "set_queue", "name": "l1", "offer_at_waiting": 8, "offer_at_wait_s": 600}
    with pytest.raises(FormError, match="nombre"):
        edit_from_form({"op": "set_queue", "name": "l1", "offer_at_wait_s": "dix minutes"})


def test_codes_and_unknown_operations():
    assert edit_from_form({"op": "rotate_code", "service": "specialist", "sector": ""}) == {
        "op": "rotate_code", "service": "specialist", "sector": None}
    assert edit_from_form({"op": "retire_code", "id": "3"}) == {"op": "retire_code", "id": 3}
    with pytest.raises(FormError, match="inconnue"):
        edit_from_form({"op": "drop_tables"})
    assert section_of({"section": "menus"}) == "menus" and section_of({"section": "../etc"}) == "calendars"


def test_menu_and_recording_forms():
    assert edit_from_form({"op": "set_menu", "menu": "main", "prompt": "allo/menu-principal", "timeout_s": "6,5"}) == {
        "op": "set_menu", "menu": "main", "prompt": "allo/menu-principal", "timeout_ms": 6500}
    assert edit_from_form({"op": "set_recording", "name": "allo/bienvenue", "recording_id": ""}) == {
        "op": "set_recording", "name": "allo/bienvenue", "recording_id": None}


def test_escalation_forms_send_an_empty_choice_as_none():
    assert edit_from_form({"op": "set_escalation", "target_id": " N90200 ", "sector": "travail", "pivot": "",
                           "instruction": "Transférer"}) == {
        "op": "set_escalation", "target_id": "N90200", "sector": "travail", "pivot": None, "instruction": "Transférer"}
    with pytest.raises(FormError, match="Le champ « consigne » est obligatoire"):
        edit_from_form({"op": "set_escalation", "target_id": "N90200", "sector": "travail", "instruction": " "})
    assert section_of({"section": "escalations"}) == "escalations"


@pytest.mark.parametrize("form", [
    {"op": "set_weekly", "calendar": "general", "weekday": "5", "periods": "08:30-18:30"},
    {"op": "add_exception", "calendar": "general", "kind": "closure", "starts_on": "2026-11-23", "ends_on": "",
     "hours": "", "message_text": "Fermé"},
    {"op": "add_exception", "calendar": "general", "kind": "opening", "starts_on": "2026-12-26",
     "ends_on": "2026-12-26", "hours": "09:00-12:00", "message_text": ""},
    {"op": "remove_exception", "calendar": "general", "index": "0"},
    {"op": "set_holidays", "calendar": "general", "public_holidays": "on", "subdivision": ""},
    {"op": "set_menu", "menu": "main", "prompt": "allo/menu-principal", "timeout_s": "5"},
    {"op": "set_menu_option", "menu": "main", "digit": "6", "action": "queue", "label": "x", "queue": "l1",
     "sector": "", "target_menu": "", "service": "", "prompt": "", "external_number": ""},
    {"op": "remove_menu_option", "menu": "main", "digit": "6"},
    {"op": "set_prompt_text", "name": "allo/x", "text": "Bonjour"},
    {"op": "set_recording", "name": "allo/x", "recording_id": "2"},
    {"op": "set_sector", "code": "travail", "label": "Travail", "queue": "l2-travail", "service": "specialist"},
    {"op": "set_queue", "name": "l1", "max_wait": "600", "on_max_wait": "callback", "overflow_queue": "",
     "announce_frequency": "60", "service_level": "20", "sl_target_pct": "80", "short_abandon": "5",
     "asa_target": "30", "abandon_target_pct": "10"},
    {"op": "rotate_code", "service": "specialist", "sector": "justice"},
    {"op": "retire_code", "id": "1"},
    {"op": "set_escalation", "target_id": "F90111", "sector": "", "pivot": "mairie", "instruction": "Orienter"},
    {"op": "remove_escalation", "target_id": "F90111"},
    {"op": "set_survey", "enabled": "on", "one_in": "5"},
], ids=lambda form: form["op"])
def test_every_form_is_an_edit_the_backend_reads(form):
    """The pages post what the JSON API accepts: each form reads as one of allo.rules.edits' typed edits."""
    edit = parse_edit(edit_from_form({**form, "csrf_token": "t", "section": "calendars"}))
    assert edit.op == form["op"]


def test_survey_form_unchecked_is_off_and_a_share_must_be_a_number():
    assert edit_from_form({"op": "set_survey", "one_in": " 10 "}) == {"op": "set_survey", "enabled": False,
                                                                       "one_in": 10}
    assert edit_from_form({"op": "set_survey", "enabled": "on", "one_in": "1"})["enabled"] is True
    with pytest.raises(FormError, match=r"« 1 appel sur N » doit être un nombre entier \(reçu « cinq »\)"):
        edit_from_form({"op": "set_survey", "one_in": "cinq"})
    with pytest.raises(FormError, match="Le champ « 1 appel sur N » est obligatoire"):
        edit_from_form({"op": "set_survey", "one_in": ""})
    assert field_of({"op": "set_survey"}) == "survey.one_in"
    assert field_of({"op": "set_prompt_text", "name": "enquete-merci"}) == "prompts.enquete-merci"
    assert section_of({"section": "survey"}) == "survey"
