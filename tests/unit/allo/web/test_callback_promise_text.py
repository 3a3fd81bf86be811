"""The promise the public callback page states, in French and in Paris time (pure)."""

from __future__ import annotations

from datetime import datetime

from allo.web.callback_page import french_time, promise_text
from routing.calendar_types import PARIS


def test_the_promise_when_closed_names_the_reopening_in_paris_time():
    sunday = datetime(2026, 11, 22, 15, 0, tzinfo=PARIS)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
    assert french_time(monday, sunday) == "demain à 8 h 00"
    assert french_time(datetime(2026, 11, 24, 8, 30, tzinfo=PARIS), sunday) == "mardi 24 à 8 h 30"
    assert french_time(datetime(2026, 11, 22, 16, 5, tzinfo=PARIS), sunday) == "16 h 05"
    text = promise_text(45.0, is_open=False, next_open=monday, routing_now=sunday)
    assert text == ("Nous vous rappelons dans les 45 minutes pendant les heures d'ouverture. Le service est fermé : "
                    "il rouvre demain à 8 h 00.")
