"""The specialist service: its hours, the access code (general or per sector), wrong codes; real decide."""

import asyncio

from ivr.code_limit import CodeGate, GateVerdict
from ivr.engine import MenuOutcome
from routing.route import Route
from routing.speech import speak_hours
from tests.unit.ivr.ivr_testkit import GENERAL_CODE, RULES, TRAVAIL_CODE, paris, run

WELCOME, MAIN, SECTORS, CODE = "allo/bienvenue", "allo/menu-principal", "allo/menu-secteurs", "allo/code-acces"
CONNECTING = "allo/mise-en-relation"


async def test_general_code_then_sector_1_goes_to_l2_interieur():
    call = await run(["2", GENERAL_CODE, "1"])
    assert call.result.outcome is MenuOutcome.QUEUED
    assert call.result.route == Route.to_queue("l2-interieur")
    assert call.result.sector == "interieur"
    assert call.journey.prompts == [WELCOME, MAIN, CODE, SECTORS, CONNECTING]
    assert call.journey.inputs == ["2", "<code>", "1"]
    assert call.journey.menus == ["main", "secteurs"]
    assert "rules v7: service (menu main key 2)" in call.journey.trace
    assert "access code accepted for every sector (attempt 1/3)" in call.journey.trace
    assert "rules v7: queue (menu secteurs key 1)" in call.journey.trace


async def test_the_code_prompt_waits_ten_seconds_for_twelve_digits():
    call = await run(["2", GENERAL_CODE + "#", "6"])
    assert call.result.route == Route.to_queue("l2-logement")
    assert call.channel.reads == [MAIN, CODE, SECTORS]


async def test_sector_code_goes_straight_to_its_queue():
    call = await run(["2", TRAVAIL_CODE])
    assert call.result.route == Route.to_queue("l2-travail")
    assert call.result.sector == "travail"
    assert call.journey.menus == ["main"]
    assert call.journey.prompts == [WELCOME, MAIN, CODE, CONNECTING]
    assert "rules v7: queue (access code for sector travail)" in call.journey.trace


async def test_three_wrong_codes_go_to_level1_with_messages():
    call = await run(["2", "4321", "", "99999999"])
    assert call.journey.prompts == [
        WELCOME,
        MAIN,
        CODE,
        "allo/code-invalide",
        "allo/code-reessayez",
        CODE,
        "allo/code-invalide",
        "allo/code-reessayez",
        CODE,
        "allo/code-invalide",
        "allo/code-echec",
        CONNECTING,
    ]
    assert call.journey.inputs == ["2", "<code>", "", "<code>"]
    assert "access code wrong (attempt 1/3)" in call.journey.trace
    assert "access code not entered (attempt 2/3)" in call.journey.trace
    assert "rules v7: level1 (3 wrong access codes)" in call.journey.trace
    assert call.result.route == Route.to_queue("l1")


async def test_a_right_code_at_the_third_attempt_is_accepted():
    call = await run(["2", "1111", "2222", TRAVAIL_CODE])
    assert call.result.route == Route.to_queue("l2-travail")
    assert call.journey.prompts.count("allo/code-invalide") == 2
    assert "allo/code-echec" not in call.journey.prompts


async def test_specialist_closed_says_its_hours_then_level1():
    # Tuesday 15:00: the specialist service closed at 13:00, the general line is open until 20:00.
    call = await run(["2", GENERAL_CODE, "1"], at=paris(10, 15))
    hours = speak_hours(RULES.calendars["specialist"])[0]
    assert call.journey.prompts == [
        WELCOME,
        MAIN,
        "allo/service-specialise-ferme",
        # It opens again on Wednesday at 8:30.
        "allo/mots/rouvrira", "allo/mots/demain", "allo/mots/a", "allo/nombres/8", "allo/mots/heures",
        "allo/nombres/30",
        *hours,
        "allo/site-internet",
        CONNECTING,
    ]
    assert CODE not in call.journey.prompts  # no code asked for a closed service
    assert call.result.route == Route.to_queue("l1")
    assert call.result.closed is not None and call.result.closed.service == "specialist"
    assert call.channel.remaining == [GENERAL_CODE, "1"]


async def test_specialist_closing_while_the_sector_is_chosen_goes_to_level1():
    times = iter([paris(10, 12, 58), paris(10, 12, 59), paris(10, 13, 1)])  # entry, service, sector queue
    call = await run(["2", GENERAL_CODE, "5"], at=lambda: next(times))
    assert call.journey.menus == ["main", "secteurs"]
    assert call.journey.prompts[-2:] == ["allo/site-internet", CONNECTING]
    assert "allo/service-specialise-ferme" in call.journey.prompts
    assert call.result.route == Route.to_queue("l1")
    assert call.result.sector is None


async def test_the_code_is_checked_off_the_event_loop(monkeypatch):
    threads: list[object] = []
    real = asyncio.to_thread

    async def spy(func, *args):
        threads.append(func)
        return await real(func, *args)

    monkeypatch.setattr(asyncio, "to_thread", spy)
    call = await run(["2", TRAVAIL_CODE])
    assert call.result.route == Route.to_queue("l2-travail")
    assert len(threads) == 1


async def test_the_code_never_appears_in_the_journey_or_result():
    codes = [GENERAL_CODE, TRAVAIL_CODE, "4321", "87654321"]
    for keys in (["2", GENERAL_CODE, "2"], ["2", TRAVAIL_CODE], ["2", "4321", "87654321", ""]):
        call = await run(keys)
        recorded = repr(call.journey) + repr(call.result)
        assert not [code for code in codes if code in recorded], keys


class Guard:
    """A CodeGuard with a fixed verdict, counting the wrong codes it is told of."""

    def __init__(self, gate: CodeGate) -> None:
        self.verdict = GateVerdict(gate, f"gate says {gate.value}")
        self.asked = 0
        self.wrong = 0

    async def gate(self) -> GateVerdict:
        self.asked += 1
        return self.verdict

    def wrong_code(self) -> None:
        self.wrong += 1


async def test_a_blocked_caller_goes_straight_to_level1_without_the_code_prompt():
    guard = Guard(CodeGate.CALLER_LIMIT)
    call = await run(["2"], code_guard=guard)
    assert call.result.route == Route.to_queue("l1")
    assert CODE not in call.journey.prompts and call.journey.prompts == [WELCOME, MAIN, CONNECTING]
    assert "gate says caller_limit" in call.journey.trace
    assert "rules v7: level1 (access code not asked: caller_limit)" in call.journey.trace


async def test_the_guard_is_told_of_wrong_codes_not_of_empty_ones_nor_the_right_one():
    guard = Guard(CodeGate.ASK)
    call = await run(["2", "4321", "", TRAVAIL_CODE], code_guard=guard)
    assert call.result.route == Route.to_queue("l2-travail")
    assert (guard.asked, guard.wrong) == (1, 1)


async def test_an_input_floor_lengthens_every_wait_for_keys():
    call = await run(["2", "", "", ""], input_floor_ms=20_000)
    assert call.channel.waited_ms == [20_000, 20_000, 20_000]
    assert "keys awaited at least 20000 ms at each input" in call.journey.trace
    plain = await run(["2", "", "", ""])
    assert plain.channel.waited_ms == [10_000, 10_000, 10_000]
