"""The menu: welcome, keys, failures, repeat, key 0, options, nesting; decisions given by fakes where it helps."""

from collections.abc import Sequence

import pytest

from ivr.catalogue import PromptName
from ivr.engine import Journey, MenuOutcome, run_menu
from ivr.errors import IvrError
from ivr.scripted import ScriptedChannel
from routing.decide import CallRequest, Target
from routing.route import ClosedInfo, Decision, Route, RouteKind
from routing.rules import Menu, MenuAction, MenuOption
from routing.speech import speak_digits
from tests.unit.ivr.ivr_testkit import RULES, build_rules, paris, run

WELCOME, MAIN, SECTORS = "allo/bienvenue", "allo/menu-principal", "allo/menu-secteurs"
CONNECTING, GOODBYE = "allo/mise-en-relation", "allo/au-revoir"


def level1_requests(trace: Sequence[str]) -> list[str]:
    return [line for line in trace if line.startswith("rules v7: level1")]


async def test_open_key_1_goes_to_level1_queue():
    call = await run(["1"])
    assert call.result.outcome is MenuOutcome.QUEUED
    assert call.result.route == Route.to_queue("l1")
    assert call.result.sector is None and call.result.closed is None
    assert call.journey.prompts == [WELCOME, MAIN, CONNECTING]
    assert call.journey.inputs == ["1"]
    assert call.journey.menus == ["main"]
    # Every Decision's trace is kept: entry, then the queue asked by key 1.
    assert "rules v7: entry" in call.journey.trace
    assert "rules v7: queue (menu main key 1)" in call.journey.trace
    assert call.journey.trace[-1] == "-> queue l1"


async def test_no_input_goes_to_level1_at_the_first_timeout():
    call = await run([])
    assert call.journey.prompts == [WELCOME, MAIN, CONNECTING]
    assert call.journey.inputs == [""]
    assert call.channel.reads == [MAIN]
    assert call.result.route == Route.to_queue("l1")
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (no input)"]
    assert "menu main: no input after 0 replay(s), to level 1" in call.journey.trace


async def test_no_input_replays_say_the_menu_again_before_level1():
    call = await run([], no_input_replays=2)
    assert call.journey.prompts == [
        WELCOME,
        MAIN,
        "allo/pas-de-choix",
        MAIN,
        "allo/pas-de-choix",
        MAIN,
        CONNECTING,
    ]
    assert call.journey.inputs == ["", "", ""]
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (no input)"]
    assert "menu main: no input (2/3)" in call.journey.trace


async def test_no_input_after_an_invalid_key_goes_to_level1():
    call = await run(["9", ""])
    assert call.journey.prompts == [WELCOME, MAIN, "allo/choix-invalide", MAIN, CONNECTING]
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (no input)"]


async def test_no_input_at_the_sector_menu_goes_to_level1():
    call = await run(["2", "1234"])
    assert call.journey.menus == ["main", "secteurs"]
    assert call.journey.prompts[-2:] == [SECTORS, CONNECTING]
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (no input)"]


async def test_invalid_keys_three_times_go_to_level1():
    call = await run(["9", "7", "8"])
    assert call.journey.prompts.count("allo/choix-invalide") == 3
    assert call.channel.reads == [MAIN] * 3
    assert call.result.route == Route.to_queue("l1")
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (3 failed inputs)"]
    assert "menu main: invalid key 9 (1/3)" in call.journey.trace


async def test_failures_of_both_kinds_count_together():
    call = await run(["", "9", ""], no_input_replays=2)
    assert call.journey.prompts == [
        WELCOME,
        MAIN,
        "allo/pas-de-choix",
        MAIN,
        "allo/choix-invalide",
        MAIN,
        "allo/pas-de-choix",
        CONNECTING,
    ]
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (3 failed inputs)"]


async def test_a_valid_key_after_two_failures_is_taken():
    call = await run(["", "9", "4"], no_input_replays=1)
    assert call.result.outcome is MenuOutcome.EXTERNAL
    assert not level1_requests(call.journey.trace)


async def test_star_repeats_the_menu_without_a_failure():
    call = await run(["*", "*", "1"])
    assert call.journey.prompts == [WELCOME, MAIN, MAIN, MAIN, CONNECTING]
    assert call.journey.inputs == ["*", "*", "1"]
    assert call.journey.trace.count("menu main: * repeat") == 2
    assert call.result.route == Route.to_queue("l1")
    assert not level1_requests(call.journey.trace)


async def test_star_does_not_reset_the_failures():
    call = await run(["", "*", "9", "*", ""], no_input_replays=2)
    assert call.channel.reads == [MAIN] * 5
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (3 failed inputs)"]


async def test_key_0_at_the_main_menu_asks_level1():
    call = await run(["0"])
    assert call.result.route == Route.to_queue("l1")
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (key 0)"]
    assert call.journey.prompts == [WELCOME, MAIN, CONNECTING]


async def test_key_0_at_the_sector_menu_asks_level1():
    call = await run(["2", "1234", "0"])
    assert call.journey.menus == ["main", "secteurs"]
    assert call.result.route == Route.to_queue("l1")
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (key 0)"]


class WelcomeKeyChannel(ScriptedChannel):
    """The caller presses `key` during the welcome (STREAM FILE with escape digits)."""

    def __init__(self, key: str, inputs: Sequence[str] = ()) -> None:
        super().__init__(inputs)
        self.key = key
        self.interruptible: list[bool] = []

    async def play(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        await super().play(prompts, interruptible=interruptible)
        self.interruptible.append(interruptible)
        return self.key if interruptible else ""


async def test_a_key_during_the_welcome_is_the_first_choice():
    channel, journey = WelcomeKeyChannel("1"), Journey()
    result = await run_menu(channel, RULES, lambda: paris(9, 10), journey)
    assert result.route == Route.to_queue("l1")
    assert channel.reads == []  # the main menu prompt was not played: the choice was made
    assert journey.inputs == ["1"]
    assert journey.prompts == [WELCOME, CONNECTING]
    assert channel.interruptible == [True, False]  # only the welcome can be interrupted
    assert "key 1 during the welcome" in journey.trace


@pytest.mark.parametrize(("key", "expected"), [("#", "allo/choix-invalide"), ("9", "allo/choix-invalide")])
async def test_an_invalid_key_during_the_welcome_is_a_failure(key, expected):
    channel, journey = WelcomeKeyChannel(key, ["1"]), Journey()
    result = await run_menu(channel, RULES, lambda: paris(9, 10), journey)
    assert journey.prompts == [WELCOME, expected, MAIN, CONNECTING]
    assert journey.inputs == [key, "1"]
    assert result.route == Route.to_queue("l1")


async def test_star_during_the_welcome_plays_the_menu():
    channel, journey = WelcomeKeyChannel("*", ["3"]), Journey()
    result = await run_menu(channel, RULES, lambda: paris(9, 10), journey)
    assert result.outcome is MenuOutcome.INFO
    assert journey.prompts[:2] == [WELCOME, MAIN]


async def test_info_option_says_where_to_look_then_hangs_up():
    call = await run(["3"])
    assert call.result.outcome is MenuOutcome.INFO
    assert call.result.route == Route(RouteKind.HANGUP)
    assert call.journey.prompts == [WELCOME, MAIN, "allo/info-service-public", GOODBYE]


async def test_external_number_is_said_digit_by_digit():
    call = await run(["4"])
    assert call.result.outcome is MenuOutcome.EXTERNAL
    assert call.result.route == Route(RouteKind.HANGUP)
    digits = [f"allo/nombres/{d}" for d in "0809401401"]
    assert speak_digits("0809401401") == digits
    assert call.journey.prompts == [WELCOME, MAIN, "allo/info-impots", *digits, GOODBYE]


async def test_callback_without_a_callback_service_says_so_and_goes_to_level1():
    main = Menu("main", "allo/menu-principal", {"5": MenuOption("5", MenuAction.CALLBACK, sector="travail")})
    call = await run(["5"], rules=build_rules(main=main))
    assert call.journey.prompts == [WELCOME, MAIN, "allo/rappel-indisponible", CONNECTING]
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (callback requested, not available)"]
    assert call.result.route == Route.to_queue("l1")


def chain(depth: int) -> dict[str, Menu]:
    """main -> m2 -> ... -> m<depth>, key 1 each time; the last one's key 1 is the queue l1."""
    menus = {}
    for level in range(1, depth + 1):
        name = "main" if level == 1 else f"m{level}"
        option = (
            MenuOption("1", MenuAction.SUBMENU, target_menu=f"m{level + 1}")
            if level < depth
            else MenuOption("1", MenuAction.QUEUE, queue="l1")
        )
        menus[name] = Menu(name, f"allo/{name}", {"1": option})
    return menus


async def test_two_nested_menus_are_followed():
    call = await run(["1", "1"], rules=build_rules(**chain(2)))
    assert call.journey.menus == ["main", "m2"]
    assert not level1_requests(call.journey.trace)
    assert call.result.route == Route.to_queue("l1")


async def test_a_third_nested_menu_is_refused_and_goes_to_level1():
    call = await run(["1", "1", "1"], rules=build_rules(**chain(3)))
    assert call.journey.menus == ["main", "m2"]
    assert "menu m3: more than 2 nested menus, to level 1" in call.journey.trace
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (menus nested too deep)"]
    assert call.channel.remaining == ["1"]


async def test_a_queue_option_with_an_unknown_sector_goes_to_level1():
    main = Menu("main", "allo/menu-principal", {"1": MenuOption("1", MenuAction.QUEUE, sector="nowhere")})
    call = await run(["1"], rules=build_rules(main=main))
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (queue option without a queue)"]


async def test_a_missing_prompt_is_recorded_and_the_call_still_routed():
    call = await run(["1"], missing=[WELCOME])
    assert call.result.route == Route.to_queue("l1")
    assert call.journey.failed_prompts == [WELCOME]


# -- with a fake decide: the engine only follows Decisions --


class FakeDecide:
    def __init__(self, answers: dict[Target, Decision]) -> None:
        self.answers = answers
        self.requests: list[CallRequest] = []

    def __call__(self, rules, request, now):
        self.requests.append(request)
        return self.answers[request.target]


MENU = Decision(Route(RouteKind.MENU), ("fake: menu",))
L1 = Decision(Route.to_queue("l1"), ("fake: l1",))


async def test_menu_where_a_queue_was_expected_goes_to_level1():
    decide = FakeDecide({Target.ENTRY: MENU, Target.QUEUE: MENU, Target.LEVEL1: L1})
    call = await run(["1"], decide=decide)
    assert [r.target for r in decide.requests] == [Target.ENTRY, Target.QUEUE, Target.LEVEL1]
    assert decide.requests[1].queue == "l1"
    assert call.result.route == Route.to_queue("l1")
    assert "queue decision says menu where a queue was expected: to level 1" in call.journey.trace
    assert call.journey.trace[-1] == "fake: l1"


async def test_a_level1_decision_saying_menu_is_an_error():
    decide = FakeDecide({Target.ENTRY: MENU, Target.LEVEL1: MENU})
    with pytest.raises(IvrError, match="level-1"):
        await run(["0"], decide=decide)


async def test_the_engine_goes_where_the_decision_says():
    decide = FakeDecide({Target.ENTRY: MENU, Target.QUEUE: Decision(Route.to_queue("l2-justice", 90))})
    call = await run(["1"], decide=decide)
    assert call.result.route == Route.to_queue("l2-justice", 90)
    assert call.result.sector == "justice"


async def test_an_exceptional_closure_message_is_said_before_the_hours():
    closed = ClosedInfo("general", "general", "exceptional_closure", message_prompt="allo/fermeture-greve")
    decide = FakeDecide({Target.ENTRY: Decision(Route(RouteKind.CLOSED), ("fake: closed",), closed)})
    call = await run([], decide=decide, speak_hours=lambda calendar: ([f"hours/{calendar.name}"], ""))
    assert call.journey.prompts == [
        "allo/service-ferme",
        "allo/fermeture-greve",
        "hours/general",
        "allo/site-internet",
        GOODBYE,
    ]
    assert call.result.outcome is MenuOutcome.CLOSED
    assert call.result.closed == closed


async def test_prompt_names_are_plain_strings():
    call = await run(["1"])
    assert all(type(name) is str for name in call.journey.prompts)
    assert call.journey.prompts[0] == PromptName.WELCOME


async def test_menu_callback_booked_ends_the_call_and_masks_the_number():
    booked: list[tuple[str, str]] = []

    async def offer(dialog, queue):
        from ivr.callback_offer import offer_callback

        async def book(phone: str) -> None:
            booked.append((phone, queue))

        return await offer_callback(dialog, "0612345678", book, from_menu=True)

    main = Menu("main", "allo/menu-principal", {"5": MenuOption("5", MenuAction.CALLBACK, sector="travail")})
    call = await run(["5", "1"], rules=build_rules(main=main), offer_callback=offer)
    assert call.result.outcome is MenuOutcome.CALLBACK and call.result.route.kind is RouteKind.HANGUP
    assert booked == [("0612345678", "l2-travail")]
    assert "<number>" in call.journey.prompts and "allo/nombres/5" not in call.journey.prompts


async def test_menu_callback_declined_goes_to_level1():
    async def offer(dialog, queue):
        from ivr.callback_offer import OfferOutcome, OfferResult
        return OfferOutcome(OfferResult.DECLINED)

    main = Menu("main", "allo/menu-principal", {"5": MenuOption("5", MenuAction.CALLBACK)})
    call = await run(["5"], rules=build_rules(main=main), offer_callback=offer)
    assert call.result.outcome is MenuOutcome.QUEUED and call.result.route.queue == "l1"
    assert level1_requests(call.journey.trace) == ["rules v7: level1 (callback declined)"]
