"""How long a caller listens: sound durations passed in, estimates for missing files, timeouts waited."""

from __future__ import annotations

from datetime import datetime

import pytest

from ivr.catalogue import PROMPTS
from ivr.listening import CHARS_PER_SECOND, Listening, estimate_seconds, listening_time, main_path
from ivr.simulate import simulate
from tests.unit.ivr.ivr_testkit import GENERAL_CODE, RULES

WELCOME, MAIN, CONNECTING, NO_CHOICE = ("allo/bienvenue", "allo/menu-principal", "allo/mise-en-relation",
                                        "allo/pas-de-choix")
# The seeded prompts as espeak-ng makes them (seconds, measured on the generated 8 kHz files).
DURATIONS = {WELCOME: 3.09, MAIN: 13.83, CONNECTING: 3.69, NO_CHOICE: 1.62, "allo/menu-secteurs": 9.08,
             "allo/code-acces": 3.4}
MONDAY_10 = datetime(2026, 3, 9, 10, 0)


def test_known_durations_and_waits_add_up() -> None:
    heard = listening_time([WELCOME, MAIN, CONNECTING], [5000], DURATIONS, PROMPTS)
    assert heard == Listening(3.09 + 13.83 + 3.69, 5.0, ())
    assert heard.seconds == pytest.approx(25.61)
    assert heard.to_json() == {"listening_s": 25.6, "listening_prompts_s": 20.6, "listening_waits_s": 5.0,
                               "listening_estimated": []}


def test_a_missing_file_is_estimated_from_its_text_and_named_once() -> None:
    heard = listening_time([WELCOME, "allo/inconnu", WELCOME], [], {}, {WELCOME: "x" * 28})
    assert heard.prompts_s == pytest.approx(2 * 28 / CHARS_PER_SECOND)
    assert heard.estimated == (WELCOME, "allo/inconnu")  # no text at all: 0 s, still said to be estimated


def test_the_estimate_errs_long_on_the_seeded_menus() -> None:
    assert estimate_seconds(PROMPTS[MAIN]) >= 9.2  # 9.1 s once synthesised
    assert estimate_seconds(PROMPTS["allo/menu-secteurs"]) >= 11.0  # 11.0 s once synthesised
    assert estimate_seconds("  abc  ") == pytest.approx(3 / CHARS_PER_SECOND)


def test_the_main_path_with_and_without_replays() -> None:
    assert main_path(MAIN, 5000, 0) == ([WELCOME, MAIN, CONNECTING], [5000])
    assert main_path(MAIN, 4000, 2) == ([WELCOME, MAIN, NO_CHOICE, MAIN, NO_CHOICE, MAIN, CONNECTING],
                                        [4000, 4000, 4000])


async def test_the_simulator_reports_the_listening_time_of_the_path() -> None:
    silent = await simulate(RULES, MONDAY_10, [], durations=DURATIONS)
    assert silent["listening_s"] == 25.6 and silent["listening_waits_s"] == 5.0
    assert silent["listening_estimated"] == []
    replayed = await simulate(RULES, MONDAY_10, [], no_input_replays=1, durations=DURATIONS)
    assert replayed["listening_s"] == round(25.61 + 1.62 + 13.83 + 5, 1)


async def test_keys_pressed_wait_for_nothing_and_the_code_prompt_counts() -> None:
    out = await simulate(RULES, MONDAY_10, ["2", GENERAL_CODE, "1"], durations=DURATIONS)
    assert out["listening_waits_s"] == 0.0
    assert out["listening_s"] == round(3.09 + 13.83 + 3.4 + 9.08 + 3.69, 1)


async def test_without_durations_everything_is_estimated_and_said() -> None:
    out = await simulate(RULES, MONDAY_10, ["1"])
    assert out["listening_estimated"] == [WELCOME, MAIN, CONNECTING]
    expected = sum(estimate_seconds(PROMPTS[name]) for name in (WELCOME, MAIN, CONNECTING))
    assert out["listening_s"] == round(expected, 1)
