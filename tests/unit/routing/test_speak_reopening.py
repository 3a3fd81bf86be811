"""speak_reopening: when the service opens again, in Paris days, as prompts and the same French sentence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.calendar_types import PARIS
from routing.speech import WORD_PROMPTS, speak_reopening

ROUVRIRA, A, HEURES = "allo/mots/rouvrira", "allo/mots/a", "allo/mots/heures"


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_same_paris_day_is_today() -> None:
    prompts, text = speak_reopening(paris(2026, 3, 9, 14), paris(2026, 3, 9, 12, 40))
    assert prompts == [ROUVRIRA, "allo/mots/aujourdhui", A, "allo/nombres/14", HEURES]
    assert text == "Le service rouvrira aujourd'hui à 14 heures."


def test_next_day_is_tomorrow_with_minutes() -> None:
    prompts, text = speak_reopening(paris(2026, 3, 10, 8, 30), paris(2026, 3, 9, 20, 5))
    assert prompts == [ROUVRIRA, "allo/mots/demain", A, "allo/nombres/8", HEURES, "allo/nombres/30"]
    assert text == "Le service rouvrira demain à 8 heures 30."


@pytest.mark.parametrize(("days", "day"), [(2, "lundi"), (6, "vendredi")])
def test_within_six_days_the_weekday(days: int, day: str) -> None:
    now = paris(2026, 3, 14, 19)  # Saturday
    prompts, text = speak_reopening(paris(2026, 3, 14, 8) + timedelta(days=days), now)
    assert prompts == [ROUVRIRA, f"allo/jours/{day}", A, "allo/nombres/8", HEURES]
    assert text == f"Le service rouvrira {day} à 8 heures."


def test_a_week_or_more_ahead_says_the_date() -> None:
    prompts, text = speak_reopening(paris(2026, 3, 21, 8, 30), paris(2026, 3, 14, 19))  # Saturday to Saturday
    assert prompts == [ROUVRIRA, "allo/jours/samedi", "allo/nombres/21", "allo/mois/mars", A, "allo/nombres/8",
                       HEURES, "allo/nombres/30"]
    assert text == "Le service rouvrira samedi 21 mars à 8 heures 30."


def test_the_first_of_the_month_is_premier() -> None:
    prompts, text = speak_reopening(paris(2026, 6, 1, 8), paris(2026, 5, 20, 21))
    assert prompts[:4] == [ROUVRIRA, "allo/jours/lundi", "allo/mots/premier", "allo/mois/juin"]
    assert text == "Le service rouvrira lundi 1er juin à 8 heures."


def test_across_the_new_year() -> None:
    assert speak_reopening(paris(2027, 1, 4, 8), paris(2026, 12, 24, 12))[1] == (
        "Le service rouvrira lundi 4 janvier à 8 heures.")
    assert speak_reopening(paris(2027, 1, 2, 8, 30), paris(2026, 12, 31, 20))[1] == (
        "Le service rouvrira samedi à 8 heures 30.")
    assert speak_reopening(paris(2027, 1, 1, 9), paris(2026, 12, 31, 23, 59))[1] == (
        "Le service rouvrira demain à 9 heures.")
    assert speak_reopening(paris(2027, 1, 2, 8), paris(2026, 12, 19, 8))[1] == (
        "Le service rouvrira samedi 2 janvier à 8 heures.")


def test_days_are_paris_days_whatever_the_zone_given() -> None:
    # Saturday 28 March 2026, 23:30 UTC is already Sunday 00:30 in Paris: Monday is tomorrow, not in two days.
    now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    opens = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # Monday 8:00 in Paris (summer time since Sunday)
    assert speak_reopening(opens, now)[1] == "Le service rouvrira demain à 8 heures."


def test_across_the_spring_change_to_summer_time() -> None:
    now = paris(2026, 3, 28, 19)  # Saturday, winter time (UTC+1)
    opens = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # Monday 8:00, summer time (UTC+2)
    assert speak_reopening(opens, now)[1] == "Le service rouvrira lundi à 8 heures."


def test_across_the_autumn_change_to_winter_time() -> None:
    now = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # Sunday 25 October, 00:30 summer time in Paris
    opens = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 8:00 winter time
    prompts, text = speak_reopening(opens, now)
    assert text == "Le service rouvrira demain à 8 heures."
    assert prompts[-2:] == ["allo/nombres/8", HEURES]


def test_midnight_and_one_oclock() -> None:
    assert speak_reopening(paris(2026, 3, 10, 0), paris(2026, 3, 9, 21))[1] == "Le service rouvrira demain à minuit."
    assert speak_reopening(paris(2026, 3, 10, 1), paris(2026, 3, 9, 21))[1] == "Le service rouvrira demain à 1 heure."


def test_every_prompt_is_a_known_word() -> None:
    now = paris(2026, 1, 1, 12)
    used = {name for hours in range(0, 24 * 400, 7) for name in speak_reopening(now + timedelta(hours=hours), now)[0]
            if not name.startswith("allo/nombres/")}
    assert used <= WORD_PROMPTS.keys()
    assert {f"allo/mois/{m}" for m in ("fevrier", "aout", "decembre")} <= used


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        speak_reopening(datetime(2026, 3, 9, 8), paris(2026, 3, 9, 7))
