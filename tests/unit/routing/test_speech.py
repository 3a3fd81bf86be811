"""Opening hours and digits spoken in French: exact prompt sequences and their text."""

from __future__ import annotations

from datetime import time

import pytest

from routing.calendar_types import Calendar, Period
from routing.service_hours import general_calendar, specialist_calendar
from routing.speech import WORD_PROMPTS, hours_lines, speak_digits, speak_hours, speak_time


def period(opens: str, closes: str) -> Period:
    return Period(time.fromisoformat(opens), time.fromisoformat(closes))


GENERAL = general_calendar()
SPECIALIST = specialist_calendar()


def words(*names: str) -> list[str]:
    """Short names: digits are numbers, "lundi".."dimanche" days, anything else a word ("a" for "à")."""
    days = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
    return [
        f"allo/nombres/{name}" if name.isdigit() else f"allo/jours/{name}" if name in days else f"allo/mots/{name}"
        for name in names
    ]


def test_general_line_hours() -> None:
    prompts, text = speak_hours(GENERAL)
    assert prompts == words(
        "horaires", "du", "lundi", "au", "vendredi", "de", "8", "heures", "a", "20", "heures",
        "le", "samedi", "de", "8", "heures", "30", "a", "18", "heures", "30",
    )  # fmt: skip
    assert text == (
        "Nos horaires d'ouverture sont les suivants. "
        "Du lundi au vendredi de 8 heures à 20 heures, le samedi de 8 heures 30 à 18 heures 30."
    )


def test_specialist_service_hours() -> None:
    prompts, text = speak_hours(SPECIALIST)
    assert prompts == words(
        "horaires",
        "le", "lundi", "de", "8", "heures", "30", "a", "18", "heures", "15",
        "le", "mardi", "et", "le", "mercredi", "de", "8", "heures", "30", "a", "13", "heures",
        "le", "jeudi", "de", "8", "heures", "30", "a", "18", "heures", "15",
        "le", "vendredi", "de", "13", "heures", "a", "17", "heures",
    )  # fmt: skip
    assert text == (
        "Nos horaires d'ouverture sont les suivants. Le lundi de 8 heures 30 à 18 heures 15, "
        "le mardi et le mercredi de 8 heures 30 à 13 heures, le jeudi de 8 heures 30 à 18 heures 15, "
        "le vendredi de 13 heures à 17 heures."
    )


def test_several_periods_in_a_day_are_joined_with_et() -> None:
    calendar = Calendar("lunch", weekly={3: (period("14:00", "17:00"), period("08:30", "13:00"))})
    prompts, text = speak_hours(calendar)
    assert prompts == words(
        "horaires", "le", "jeudi", "de", "8", "heures", "30", "a", "13", "heures",
        "et", "de", "14", "heures", "a", "17", "heures",
    )  # fmt: skip
    assert text.endswith("Le jeudi de 8 heures 30 à 13 heures et de 14 heures à 17 heures.")


def test_hours_lines_group_consecutive_identical_days() -> None:
    assert hours_lines(GENERAL) == [(0, 4, (period("08:00", "20:00"),)), (5, 5, (period("08:30", "18:30"),))]
    assert hours_lines(SPECIALIST) == [
        (0, 0, (period("08:30", "18:15"),)),
        (1, 2, (period("08:30", "13:00"),)),
        (3, 3, (period("08:30", "18:15"),)),
        (4, 4, (period("13:00", "17:00"),)),
    ]
    # a closed day breaks a run even when the days around it are identical
    gap = Calendar("gap", weekly={0: GENERAL.weekly[0], 1: (), 2: GENERAL.weekly[0], 6: GENERAL.weekly[0]})
    assert hours_lines(gap) == [(0, 0, GENERAL.weekly[0]), (2, 2, GENERAL.weekly[0]), (6, 6, GENERAL.weekly[0])]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (time(8), words("8", "heures")),
        (time(8, 30), words("8", "heures", "30")),
        (time(12), words("12", "heures")),
        (time(13), words("13", "heures")),
        (time(1), words("1", "heure")),
        (time(0, 45), words("0", "heure", "45")),
        (time(18, 5), words("18", "heures", "5")),
        (time(0), words("minuit")),
    ],
)
def test_speak_time(at: time, expected: list[str]) -> None:
    assert speak_time(at) == expected


def test_midnight_closing_is_said_minuit() -> None:
    calendar = Calendar("evening", weekly={4: (period("22:00", "00:00"),)})
    prompts, text = speak_hours(calendar)
    assert prompts[-3:] == words("heures", "a", "minuit")
    assert text.endswith("Le vendredi de 22 heures à minuit.")


def test_closed_all_week() -> None:
    assert speak_hours(Calendar("never")) == (
        words("horaires", "ferme"),
        "Nos horaires d'ouverture sont les suivants. Fermé.",
    )


def test_numbers_0_to_59_are_french_words() -> None:
    numbers = {f"allo/nombres/{n}" for n in range(60)}
    assert numbers <= WORD_PROMPTS.keys()
    assert "allo/nombres/60" not in WORD_PROMPTS
    assert WORD_PROMPTS["allo/nombres/0"] == "zéro"
    assert WORD_PROMPTS["allo/nombres/16"] == "seize"
    assert WORD_PROMPTS["allo/nombres/17"] == "dix-sept"
    assert WORD_PROMPTS["allo/nombres/21"] == "vingt et un"
    assert WORD_PROMPTS["allo/nombres/30"] == "trente"
    assert WORD_PROMPTS["allo/nombres/45"] == "quarante-cinq"
    assert WORD_PROMPTS["allo/nombres/59"] == "cinquante-neuf"


def test_words_days_and_prompt_names() -> None:
    assert WORD_PROMPTS["allo/jours/lundi"] == "lundi"
    assert WORD_PROMPTS["allo/jours/dimanche"] == "dimanche"
    assert WORD_PROMPTS["allo/mots/a"] == "à"
    assert WORD_PROMPTS["allo/mots/ferme"] == "fermé"
    assert WORD_PROMPTS["allo/mots/horaires"] == "Nos horaires d'ouverture sont les suivants."
    assert all(name.startswith(("allo/mots/", "allo/jours/", "allo/nombres/", "allo/mois/")) for name in WORD_PROMPTS)
    assert all(text.strip() for text in WORD_PROMPTS.values())


@pytest.mark.parametrize("calendar", [GENERAL, SPECIALIST, Calendar("never")])
def test_every_prompt_returned_is_a_known_word(calendar: Calendar) -> None:
    used = speak_hours(calendar)[0] + speak_digits("0123456789")
    used += [name for minute in range(0, 1440, 7) for name in speak_time(time(minute // 60, minute % 60))]
    assert set(used) <= WORD_PROMPTS.keys()


def test_speak_digits() -> None:
    assert speak_digits("3939") == words("3", "9", "3", "9")
    assert speak_digits("+33 1 40-07.00") == words("3", "3", "1", "4", "0", "0", "7", "0", "0")
    assert speak_digits("") == []
    assert speak_digits("²٣") == []  # only ASCII digits are numbers
