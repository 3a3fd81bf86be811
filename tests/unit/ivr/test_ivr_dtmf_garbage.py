"""DTMF garbage: whatever a caller types, and for as long as they type it, the menu ends in a route or a hang-up
within a bounded number of channel operations and never raises.

The caller of the property test never stops: its key entries repeat for ever (a finite script would end in
timeouts and prove nothing about loops). Keys include `*`, `#`, the letters A-D some keypads send, empty entries
(timeouts) and very long strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from acd.callbacks.types import CallbackRefusal, CallbackRefused
from ivr.access_code import CODE_ATTEMPTS, CODE_MASK, CODE_MAX_DIGITS
from ivr.callback_offer import NUMBER_ATTEMPTS, OFFER_ROUNDS, CallbackDialog, OfferOutcome, offer_callback
from ivr.channel import DTMF_KEYS
from ivr.engine import MAX_DEPTH, MAX_FAILURES, MAX_REPEATS, Journey, MenuOutcome, run_menu
from ivr.errors import CallerHungUp
from routing.route import Route, RouteKind
from routing.rules import Menu, MenuAction, MenuOption
from tests.unit.ivr.ivr_testkit import GENERAL_CODE, RULES, SECTORS, TRAVAIL_CODE, build_rules, paris, run

KEYPAD = DTMF_KEYS + "ABCD"
OWN_NUMBER = "0612345678"

# Channel operations a session may take at most, from the engine's limits: the welcome; per menu (MAX_DEPTH of
# them nested) the repeats, the failed inputs and their prompts, and the option's own prompt; the access code's
# attempts and prompts; the callback offer's rounds (4 prompts and a read, then a prompt) and number attempts (read,
# 3 prompts, read); the decisions' closed message and the final connecting or goodbye prompt.
PER_MENU = MAX_REPEATS + 2 * MAX_FAILURES + 1
ACCESS_CODE = 2 * CODE_ATTEMPTS + 1
CALLBACK = 6 * OFFER_ROUNDS + 5 * NUMBER_ATTEMPTS + 2
MAX_OPERATIONS = 1 + MAX_DEPTH * PER_MENU + ACCESS_CODE + CALLBACK + 4


def garbage_rules():  # type: ignore[no-untyped-def]
    """The seeded menu plus a callback option and a chain of sub-menus deeper than MAX_DEPTH."""
    main = Menu("main", "allo/menu-principal", {
        **RULES.menus["main"].options,
        "5": MenuOption("5", MenuAction.CALLBACK, "Être rappelé"),
        "6": MenuOption("6", MenuAction.SUBMENU, "Plus", target_menu="deep1"),
    })
    deep = {f"deep{n}": Menu(f"deep{n}", "allo/menu-secteurs", {
        "1": MenuOption("1", MenuAction.SUBMENU, "Encore", target_menu=f"deep{n + 1}"),
        "2": MenuOption("2", MenuAction.QUEUE, "Travail", sector="travail"),
    }) for n in range(1, MAX_DEPTH + 2)}
    return build_rules(main=main, **deep)


RULES_UNDER_TEST = garbage_rules()
KNOWN_QUEUES = {"l1"} | {f"l2-{code}" for code in SECTORS.values()}


class EndlessCaller:
    """A caller who types `entries` in turn, for ever, and hangs up at operation `hang_up_at` (if any).

    A GET DATA takes one entry, cut at `#` and to its maximum digits, as Asterisk does. An interruptible prompt
    takes one entry too: its first key interrupts it when it is a DTMF key (Asterisk's escape digits); the rest of
    the entry is lost, as keys pressed during a prompt that ended are.
    """

    def __init__(self, entries: Sequence[str], hang_up_at: int | None = None) -> None:
        self.entries = list(entries) or [""]
        self.next = 0
        self.hang_up_at = hang_up_at
        self.operations = 0
        self.failed_prompts: list[str] = []
        self.heard: list[str] = []

    def _operation(self) -> None:
        self.operations += 1
        if self.hang_up_at is not None and self.operations >= self.hang_up_at:
            raise CallerHungUp("hung up")
        if self.operations > 10 * MAX_OPERATIONS:
            raise AssertionError("the menu never ends")  # fail fast rather than loop for ever

    def _entry(self) -> str:
        entry = self.entries[self.next % len(self.entries)]
        self.next += 1
        return entry

    async def play(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        self._operation()
        self.heard.extend(prompts)
        if not interruptible:
            return ""
        first = self._entry()[:1]
        return first if first and first in DTMF_KEYS else ""

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        self._operation()
        self.heard.append(prompt)
        return self._entry().partition("#")[0][:max_digits]

    async def set_variable(self, name: str, value: str) -> None:
        self._operation()


async def _book(_phone: str) -> None:
    return None


async def _refuse(_phone: str) -> None:
    raise CallbackRefused(CallbackRefusal.ALREADY_PENDING, "a callback is already pending")


def _offer(booking: bool):  # type: ignore[no-untyped-def]
    async def offer(dialog: CallbackDialog, _queue: str) -> OfferOutcome:
        return await offer_callback(dialog, OWN_NUMBER, _book if booking else _refuse, from_menu=True)
    return offer


ENTRY = st.one_of(
    st.text(alphabet=KEYPAD, max_size=16),
    st.sampled_from(["", "#", "*", "0", "1", "2", "5", "6", GENERAL_CODE, TRAVAIL_CODE, OWN_NUMBER, "A", "D"]),
    st.text(alphabet="0123456789", min_size=CODE_MAX_DIGITS, max_size=400),  # very long digit strings
    st.just("#" * 50),
)
MOMENTS = st.sampled_from([paris(9, 10), paris(8, 10), paris(9, 22), paris(14, 9, 30)])  # open, Sunday, night, Sat


@settings(database=None, max_examples=400, deadline=None)
@given(entries=st.lists(ENTRY, max_size=30), hang_up_at=st.none() | st.integers(1, MAX_OPERATIONS),
       moment=MOMENTS, callbacks=st.sampled_from([None, True, False]))
async def test_any_key_sequence_ends_in_a_route_or_a_hang_up_within_the_bound(
        entries: list[str], hang_up_at: int | None, moment: datetime, callbacks: bool | None) -> None:
    caller, journey = EndlessCaller(entries, hang_up_at), Journey()
    offer = None if callbacks is None else _offer(callbacks)
    result = await run_menu(caller, RULES_UNDER_TEST, lambda: moment, journey, offer_callback=offer)

    target(float(caller.operations), label="channel operations")
    assert caller.operations <= MAX_OPERATIONS, (caller.operations, journey.trace[-5:])
    if result.route.kind is RouteKind.QUEUE:
        assert result.outcome is MenuOutcome.QUEUED and result.route.queue in KNOWN_QUEUES
    else:
        assert result.route == Route(RouteKind.HANGUP) and result.outcome is not MenuOutcome.QUEUED
    if result.outcome is MenuOutcome.HUNG_UP:
        assert hang_up_at is not None
    # Codes and phone numbers typed are never kept in clear, whatever was typed around them.
    for secret in (GENERAL_CODE, TRAVAIL_CODE, OWN_NUMBER):
        assert all(secret not in value for value in journey.inputs if len(value) > 1), journey.inputs
        assert secret not in str(journey.trace)
    assert all(len(value) <= CODE_MAX_DIGITS or value in (CODE_MASK, "<number>") for value in journey.inputs)


# --- explicit cases -----------------------------------------------------------------------------------------------


def level1_why(trace: Sequence[str]) -> list[str]:
    return [line for line in trace if line.startswith("rules v7: level1")]


async def test_star_for_ever_ends_at_level1_after_the_repeats_and_three_failures():
    call = await run(["*"] * 200)
    assert call.journey.trace.count("menu main: * repeat") == MAX_REPEATS
    assert len(call.channel.reads) == MAX_REPEATS + MAX_FAILURES
    assert call.result.route == Route.to_queue("l1")
    assert level1_why(call.journey.trace) == ["rules v7: level1 (3 failed inputs)"]
    assert "menu main: invalid key * (1/3)" in call.journey.trace


async def test_hash_only_counts_as_no_input_then_level1():
    call = await run(["#", "#", "#"])
    assert call.journey.inputs == [""]
    assert call.result.route == Route.to_queue("l1")
    assert level1_why(call.journey.trace) == ["rules v7: level1 (no input)"]


async def test_hash_only_with_replays_counts_as_failed_inputs():
    call = await run(["#", "#", "#"], no_input_replays=2)
    assert call.journey.inputs == ["", "", ""]
    assert level1_why(call.journey.trace) == ["rules v7: level1 (no input)"]


@pytest.mark.parametrize("letters", [["A", "B", "C"], ["D", "D", "D"]])
async def test_letters_a_to_d_are_invalid_keys(letters: list[str]):
    call = await run(letters)
    assert call.journey.prompts.count("allo/choix-invalide") == 3
    assert call.result.route == Route.to_queue("l1")


async def test_a_very_long_digit_string_at_the_menu_is_one_key():
    call = await run(["1" + "9" * 5000])
    assert call.journey.inputs == ["1"]
    assert call.result.route == Route.to_queue("l1")


async def test_very_long_codes_are_wrong_codes_and_never_recorded():
    long_code = GENERAL_CODE + "7" * 500
    call = await run(["2", long_code, long_code, long_code])
    assert call.journey.inputs == ["2", CODE_MASK, CODE_MASK, CODE_MASK]
    assert "3 wrong access codes" in str(call.journey.trace)
    assert call.result.route == Route.to_queue("l1")
    assert GENERAL_CODE not in str(call.journey.trace) + str(call.journey.inputs)


async def test_hash_only_at_the_access_code_is_no_code_then_the_code_still_works():
    call = await run(["2", "#", f"{TRAVAIL_CODE}#"])
    assert call.journey.inputs == ["2", "", CODE_MASK]
    assert call.result.route == Route.to_queue("l2-travail")
    assert "access code not entered (attempt 1/3)" in call.journey.trace


async def test_a_burst_during_the_welcome_takes_its_first_key_only():
    caller, journey = EndlessCaller(["19876543210#*"]), Journey()
    result = await run_menu(caller, RULES, lambda: paris(9, 10), journey)
    assert journey.inputs == ["1"]
    assert result.route == Route.to_queue("l1")
    assert caller.operations == 2  # the welcome (interrupted), then "mise en relation"
