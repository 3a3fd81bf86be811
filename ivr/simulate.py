"""Where would a call go? The menu engine run on scripted keys at a given time, with nobody on the line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ivr.engine import NO_INPUT_REPLAYS, Journey, run_menu
from ivr.scripted import ScriptedChannel
from routing.calendar_types import PARIS
from routing.rules import RulesSnapshot


async def simulate(
    rules: RulesSnapshot, at: datetime, keys: Sequence[str], *, hang_up_at: int | None = None,
    no_input_replays: int = NO_INPUT_REPLAYS,
) -> dict[str, object]:
    """Run the menu with `keys` (one entry per read, "" for a timeout) at the fixed time `at`.

    A naive `at` is Europe/Paris local time. The result is JSON-ready; access codes typed in `keys`
    appear nowhere in it (the journey records them as "<code>").
    """
    moment = at if at.tzinfo is not None else at.replace(tzinfo=PARIS)
    channel = ScriptedChannel(keys, hang_up_at=hang_up_at)
    journey = Journey()
    result = await run_menu(channel, rules, lambda: moment, journey, no_input_replays=no_input_replays)
    return {
        "at": moment.isoformat(),
        "outcome": result.outcome.value,
        "route": result.route.kind.value,
        "queue": result.route.queue,
        "sector": result.sector,
        "closed_service": result.closed.service if result.closed else None,
        "menus": list(journey.menus),
        "trace": list(journey.trace),
        "prompts": list(journey.prompts),
        "inputs": list(journey.inputs),
    }
