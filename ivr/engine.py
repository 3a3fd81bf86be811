"""The menu engine: walks a caller through the DTMF menu of the rules, following routing Decisions.

The engine never decides where a call goes: at each point where the route depends on the rules (on
entry, when the caller wants an adviser, picks a service or a queue) it asks `decide` and follows the
Decision. What happened is written into a `Journey` as the call goes, so a hang-up keeps it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import assert_never

from ivr.access_code import CodeGuard, ask_access_code
from ivr.callback_offer import NUMBER_MASK, CallbackDialog, OfferOutcome, OfferResult
from ivr.catalogue import PromptName
from ivr.channel import Channel
from ivr.closed import closed_message
from ivr.code_limit import CodeGate
from ivr.errors import CallerHungUp, IvrError
from routing.calendar_types import Calendar
from routing.decide import CallRequest, Target
from routing.decide import decide as routing_decide
from routing.route import ClosedInfo, Decision, Route, RouteKind
from routing.rules import LEVEL1_QUEUE, Menu, MenuAction, MenuOption, RulesSnapshot
from routing.speech import speak_digits as routing_speak_digits
from routing.speech import speak_hours as routing_speak_hours
from routing.survey import SURVEY_PROMPT_ANNOUNCE

DecideFn = Callable[[RulesSnapshot, CallRequest, datetime], Decision]
SpeakHoursFn = Callable[[Calendar], tuple[list[str], str]]
SpeakDigitsFn = Callable[[str], list[str]]
# The callback offer for the caller, booking for `queue` (None: callbacks are not available).
OfferFn = Callable[[CallbackDialog, str], Awaitable[OfferOutcome]]

MAX_FAILURES = 3  # failed inputs in a row at one menu before level 1
# `*` (repeat) presses honoured at one menu; more count as failed inputs, so that no key sequence holds a call (and its
# FastAGI session) in the menu for ever. The benchmark's menu callers press `*` every 4 s for about a minute.
MAX_REPEATS = 20
MAX_DEPTH = 2  # nested menus: the main menu and one below it (the rules editor refuses deeper ones)
# A caller who presses nothing is sent to level 1 at the first timeout of a menu: "a human always reachable" within
# the charter's time. Each replay (the "no choice" prompt and the menu again) costs the menu's length plus its timeout.
NO_INPUT_REPLAYS = 0


class MenuOutcome(enum.StrEnum):
    QUEUED = "queued"  # route QUEUE: the dialplan puts the call in the queue
    CLOSED = "closed"  # the closed message was said, then hang up
    INFO = "info"  # an information message, then hang up
    EXTERNAL = "external"  # another number was given, then hang up
    HUNG_UP = "hung_up"  # the caller hung up in the menu
    CALLBACK = "callback"  # a callback was booked, then hang up


@dataclass
class Journey:
    """What happened in the menu, filled as the call goes. Access codes are recorded as "<code>"."""

    inputs: list[str] = field(default_factory=list)  # each read, as pressed ("" when nothing was)
    prompts: list[str] = field(default_factory=list)  # heard, in order (menu prompts included)
    trace: list[str] = field(default_factory=list)  # the engine's steps and every Decision's trace
    menus: list[str] = field(default_factory=list)  # visited, in order
    failed_prompts: list[str] = field(default_factory=list)  # could not be played (copied from the channel)
    queue_notes: list[str] = field(default_factory=list)  # entering the queue (max wait, announcement, adviser)
    survey_announced: bool = False  # the survey announcement was (at least begun to be) said


@dataclass(frozen=True)
class MenuResult:
    outcome: MenuOutcome
    route: Route  # QUEUE with its queue, or HANGUP
    sector: str | None = None  # when the queue is a sector's
    closed: ClosedInfo | None = None  # the last closed service the caller heard about


async def run_menu(
    channel: Channel,
    rules: RulesSnapshot,
    clock: Callable[[], datetime],
    journey: Journey,
    *,
    decide: DecideFn = routing_decide,
    speak_hours: SpeakHoursFn = routing_speak_hours,
    speak_digits: SpeakDigitsFn = routing_speak_digits,
    offer_callback: OfferFn | None = None,
    no_input_replays: int = NO_INPUT_REPLAYS,
    code_guard: CodeGuard | None = None,
    input_floor_ms: int = 0,
    announce_survey: bool = False,
) -> MenuResult:
    """Run the menu to its end. A hang-up at any moment gives outcome HUNG_UP (never an exception).

    `clock` gives the (timezone-aware) time of each decision. Raises `IvrError` only for rules the
    engine cannot follow (a level-1 Decision that says MENU). `no_input_replays`: how many times a menu is said
    again to a caller who pressed nothing before level 1 (0: level 1 at the first timeout). `code_guard`: the
    bound on wrong access codes across calls (None: three tries per call only). `input_floor_ms`: every wait for
    keys lasts at least this long (relay calls: an interpreter relays each prompt before the caller answers).
    `announce_survey`: the call is sampled for the satisfaction survey: `enquete-annonce` is said after the welcome
    (and topical message), only on the menu's path (the line open).
    """
    call = _Call(channel, rules, clock, journey, decide, speak_hours, speak_digits, offer_callback,
                 no_input_replays=no_input_replays, code_guard=code_guard, input_floor_ms=input_floor_ms,
                 announce_survey=announce_survey)
    try:
        return await call.run()
    except CallerHungUp:
        journey.trace.append(f"caller hung up ({call.step})")
        return MenuResult(MenuOutcome.HUNG_UP, Route(RouteKind.HANGUP), None, call.closed)
    finally:
        journey.failed_prompts[:] = channel.failed_prompts


@dataclass
class _Call:
    channel: Channel
    rules: RulesSnapshot
    clock: Callable[[], datetime]
    journey: Journey
    decide: DecideFn
    speak_hours: SpeakHoursFn
    speak_digits: SpeakDigitsFn
    offer_callback: OfferFn | None = None
    no_input_replays: int = NO_INPUT_REPLAYS
    code_guard: CodeGuard | None = None
    input_floor_ms: int = 0
    announce_survey: bool = False
    closed: ClosedInfo | None = None  # the last closed message heard
    step: str = "before the welcome"  # where the caller is, for the hang-up trace line

    # -- channel operations, recorded in the journey once done --

    async def say(self, prompts: Sequence[str | None], *, interruptible: bool = False) -> str:
        names = [str(name) for name in prompts if name]
        if not names:
            return ""
        self.step = f"during {names[0]}" if len(names) == 1 else f"during {names[0]} (+{len(names) - 1})"
        key = await self.channel.play(names, interruptible=interruptible)
        self.journey.prompts.extend(names)
        return key

    async def say_private(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        """Say personal data (a phone number): heard by the caller, recorded masked."""
        self.step = "during a number"
        key = await self.channel.play(list(prompts), interruptible=interruptible)
        self.journey.prompts.append(NUMBER_MASK)
        return key

    async def read(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        self.step = f"waiting for keys at {prompt}"
        digits = await self.channel.read_digits(prompt, max(timeout_ms, self.input_floor_ms), max_digits)
        self.journey.prompts.append(str(prompt))
        return digits

    def note(self, line: str) -> None:
        self.journey.trace.append(line)

    def record_input(self, value: str) -> None:
        self.journey.inputs.append(value)

    # -- following Decisions --

    async def route(
        self,
        target: Target,
        *,
        queue: str | None = None,
        service: str | None = None,
        why: str = "",
        menu_ok: bool = False,
    ) -> MenuResult | None:
        """Ask `decide` and act on its Decision; None when it says to carry on in the menu (`menu_ok`)."""
        now = self.clock()
        decision = self.decide(self.rules, CallRequest(target, queue, service, why), now)
        self.journey.trace.extend(decision.trace)
        if decision.closed is not None:
            self.closed = decision.closed
            await self.say(closed_message(self.rules, decision.closed, self.speak_hours, now))
        kind, queue = decision.route.kind, decision.route.queue
        if kind is RouteKind.MENU:
            if menu_ok:
                return None
            if target is Target.LEVEL1:
                raise IvrError("the level-1 Decision says MENU: the engine cannot follow it")
            self.note(f"{target.value} decision says menu where a queue was expected: to level 1")
            return await self.finish(Target.LEVEL1, why="menu decision where a queue was expected")
        if kind is RouteKind.QUEUE and queue:
            await self.say([PromptName.CONNECTING])
            return MenuResult(MenuOutcome.QUEUED, decision.route, self.rules.sector_of_queue(queue), self.closed)
        await self.say([PromptName.GOODBYE])
        return MenuResult(MenuOutcome.CLOSED, Route(RouteKind.HANGUP), None, self.closed)

    async def finish(self, target: Target, *, queue: str | None = None, why: str = "") -> MenuResult:
        result = await self.route(target, queue=queue, why=why)
        if result is None:  # pragma: no cover - route() only returns None with menu_ok
            raise IvrError("no result from a final decision")
        return result

    async def to_level1(self, why: str) -> MenuResult:
        return await self.finish(Target.LEVEL1, why=why)

    # -- the menu --

    async def run(self) -> MenuResult:
        if self.input_floor_ms:
            self.note(f"keys awaited at least {self.input_floor_ms} ms at each input")
        result = await self.route(Target.ENTRY, menu_ok=True)
        if result is not None:
            return result
        key = await self.say([PromptName.WELCOME], interruptible=True)
        if key:
            self.record_input(key)
            self.note(f"key {key} during the welcome")
        else:
            key = await self.topical()
        if self.announce_survey:
            key = await self.survey_announcement(key)
        return await self.menu(self.rules.root_menu, 1, key or None)

    async def survey_announcement(self, pending: str) -> str:
        """Tell a sampled caller the survey follows the call. A key cuts it short and is the menu's choice, unless
        one was pressed already (that one stands)."""
        self.journey.survey_announced = True
        self.note("survey announced")
        key = await self.say([SURVEY_PROMPT_ANNOUNCE], interruptible=True)
        if key and not pending:
            self.record_input(key)
            self.note(f"key {key} during the survey announcement")
            return key
        return pending

    async def topical(self) -> str:
        """The topical message when one is live at this moment; a key pressed during it is the menu's choice."""
        topical = self.rules.topical
        if topical is None or not topical.active(self.clock()):
            return ""
        self.note(f"topical message {topical.prompt}")
        key = await self.say([topical.prompt], interruptible=True)
        if key:
            self.record_input(key)
            self.note(f"key {key} during the topical message")
        return key

    async def menu(self, name: str, depth: int, pending: str | None = None) -> MenuResult:
        if depth > MAX_DEPTH:
            self.note(f"menu {name}: more than {MAX_DEPTH} nested menus, to level 1")
            return await self.to_level1("menus nested too deep")
        menu = self.rules.menus.get(name)
        if menu is None:
            self.note(f"menu {name}: unknown, to level 1")
            return await self.to_level1(f"unknown menu {name}")
        self.journey.menus.append(name)
        self.note(f"menu {name}")
        failures = repeats = silences = 0
        while True:
            if pending is None:
                key = await self.read(menu.prompt, menu.timeout_ms, 1)
                self.record_input(key)
            else:
                key, pending = pending, None
            if key == "*" and repeats < MAX_REPEATS:
                repeats += 1
                self.note(f"menu {name}: * repeat")
                continue
            if key == "0":
                self.note(f"menu {name}: key 0, adviser")
                return await self.to_level1("key 0")
            option = menu.options.get(key) if key and key not in ("#", "*") else None
            if option is not None:
                return await self.option(menu, option, depth)
            failures += 1
            if not key:
                silences += 1
                if silences > self.no_input_replays:
                    self.note(f"menu {name}: no input after {silences - 1} replay(s), to level 1")
                    return await self.to_level1("no input")
            what = f"invalid key {key}" if key else "no input"
            self.note(f"menu {name}: {what} ({failures}/{MAX_FAILURES})")
            await self.say([PromptName.INVALID_CHOICE if key else PromptName.NO_CHOICE])
            if failures >= MAX_FAILURES:
                return await self.to_level1(f"{MAX_FAILURES} failed inputs")

    async def option(self, menu: Menu, option: MenuOption, depth: int) -> MenuResult:
        label = f" ({option.label})" if option.label else ""
        self.note(f"menu {menu.name}: key {option.digit}{label} -> {option.action.value}")
        why = f"menu {menu.name} key {option.digit}"
        match option.action:
            case MenuAction.SUBMENU:
                if option.target_menu is None:
                    self.note("submenu option without a menu: to level 1")
                    return await self.to_level1("submenu option without a menu")
                return await self.menu(option.target_menu, depth + 1)
            case MenuAction.QUEUE:
                sector = self.rules.sectors.get(option.sector or "")
                queue = option.queue or (sector.queue if sector else None)
                if queue is None:
                    self.note(f"queue option without a known queue or sector ({option.sector}): to level 1")
                    return await self.to_level1("queue option without a queue")
                return await self.finish(Target.QUEUE, queue=queue, why=why)
            case MenuAction.ACCESS_CODE:
                return await self.access_code(option, depth, why)
            case MenuAction.INFO_HANGUP:
                await self.say([option.prompt, PromptName.GOODBYE])
                return MenuResult(MenuOutcome.INFO, Route(RouteKind.HANGUP), None, self.closed)
            case MenuAction.EXTERNAL_NUMBER:
                digits = self.speak_digits(option.external_number) if option.external_number else []
                await self.say([option.prompt, *digits, PromptName.GOODBYE])
                return MenuResult(MenuOutcome.EXTERNAL, Route(RouteKind.HANGUP), None, self.closed)
            case MenuAction.CALLBACK:
                return await self.callback(option)
            case _:
                assert_never(option.action)

    async def callback(self, option: MenuOption) -> MenuResult:
        if self.offer_callback is None:
            await self.say([PromptName.CALLBACK_UNAVAILABLE])
            return await self.to_level1("callback requested, not available")
        sector = self.rules.sectors.get(option.sector or "")
        level1 = self.rules.services.get(self.rules.level1_service)
        queue = option.queue or (sector.queue if sector else None) or (level1.default_queue if level1 else LEVEL1_QUEUE)
        outcome = await self.offer_callback(self, queue)
        if outcome.result is OfferResult.BOOKED:
            return MenuResult(MenuOutcome.CALLBACK, Route(RouteKind.HANGUP), sector.code if sector else None,
                              self.closed)
        return await self.to_level1(f"callback {outcome.result.value}")

    async def access_code(self, option: MenuOption, depth: int, why: str) -> MenuResult:
        service = option.service or ""
        result = await self.route(Target.SERVICE, service=service, why=why, menu_ok=True)
        if result is not None:
            return result
        guard = self.code_guard
        if guard is not None:
            verdict = await guard.gate()
            self.note(verdict.reason)
            if verdict.gate is not CodeGate.ASK:
                return await self.to_level1(f"access code not asked: {verdict.gate.value}")
        code = await ask_access_code(self, self.rules, service, guard.wrong_code if guard is not None else None)
        if code is None:
            await self.say([PromptName.CODE_FAILED])
            return await self.to_level1("3 wrong access codes")
        if code.sector is not None:
            sector = self.rules.sectors.get(code.sector)
            if sector is None:
                self.note(f"access code for unknown sector {code.sector}: to level 1")
                return await self.to_level1("access code for an unknown sector")
            return await self.finish(Target.QUEUE, queue=sector.queue, why=f"access code for sector {sector.code}")
        if option.target_menu is None:
            self.note("access code option without a sector menu: to level 1")
            return await self.to_level1("access code option without a sector menu")
        return await self.menu(option.target_menu, depth + 1)
