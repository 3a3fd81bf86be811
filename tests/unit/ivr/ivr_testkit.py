"""Small rules like the seeded ones, and a helper that runs the menu engine on a scripted call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ivr.engine import Journey, MenuResult, run_menu
from ivr.scripted import ScriptedChannel
from routing.calendar_types import PARIS
from routing.rules import AccessCode, Menu, MenuAction, MenuOption, RulesSnapshot, Sector, Service, hash_code
from routing.service_hours import general_calendar, specialist_calendar

ITERATIONS = 1_000  # the real 20 000 work too, only slower
GENERAL_CODE = "1234"
TRAVAIL_CODE = "5678"
SECTORS = {"1": "interieur", "2": "travail", "3": "consommation", "4": "justice", "5": "fiscalite", "6": "logement"}


def build_rules(**menus: Menu) -> RulesSnapshot:
    general, specialist = general_calendar(), specialist_calendar()
    main = Menu(
        "main",
        "allo/menu-principal",
        {
            "1": MenuOption("1", MenuAction.QUEUE, "Question générale", queue="l1"),
            "2": MenuOption(
                "2", MenuAction.ACCESS_CODE, "Service spécialisé (code)", target_menu="secteurs", service="specialist"
            ),
            "3": MenuOption("3", MenuAction.INFO_HANGUP, "Informations en ligne", prompt="allo/info-service-public"),
            "4": MenuOption(
                "4", MenuAction.EXTERNAL_NUMBER, "Impôts", prompt="allo/info-impots", external_number="0809401401"
            ),
        },
    )
    secteurs = Menu(
        "secteurs",
        "allo/menu-secteurs",
        {digit: MenuOption(digit, MenuAction.QUEUE, code, sector=code) for digit, code in SECTORS.items()},
    )
    salt_general, salt_travail = b"salt-general-000", b"salt-travail-000"
    return RulesSnapshot(
        version=7,
        services={
            "general": Service("general", "Ligne générale", "general", 1, "l1"),
            "specialist": Service("specialist", "Service spécialisé", "specialist", 2, "l2-interieur"),
        },
        calendars={"general": general, "specialist": specialist},
        sectors={code: Sector(code, code.capitalize(), f"l2-{code}", "specialist") for code in SECTORS.values()},
        menus={"main": main, "secteurs": secteurs, **menus},
        access_codes=(
            AccessCode(1, hash_code(GENERAL_CODE, salt_general, ITERATIONS), salt_general, ITERATIONS),
            AccessCode(
                2, hash_code(TRAVAIL_CODE, salt_travail, ITERATIONS), salt_travail, ITERATIONS, sector="travail"
            ),
        ),
    )


RULES = build_rules()


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the week of Monday 9 March 2026 (no public holiday), Paris time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


@dataclass
class Call:
    result: MenuResult
    journey: Journey
    channel: ScriptedChannel


async def run(
    keys: Sequence[str] = (),
    *,
    at: datetime | Callable[[], datetime] | None = None,
    rules: RulesSnapshot = RULES,
    hang_up_at: int | None = None,
    missing: Sequence[str] = (),
    **options: Any,
) -> Call:
    """Run the engine on a ScriptedChannel; `at` is a fixed time (Monday 10:00 by default) or a clock."""
    channel = ScriptedChannel(keys, hang_up_at=hang_up_at, missing=set(missing))
    journey = Journey()
    moment = paris(9, 10) if at is None else at
    clock = moment if callable(moment) else lambda: moment
    result = await run_menu(channel, rules, clock, journey, **options)
    return Call(result, journey, channel)
