"""Where would a call go? The menu engine run on scripted keys at a given time, with nobody on the line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ivr.catalogue import PROMPTS
from ivr.engine import NO_INPUT_REPLAYS, Journey, run_menu
from ivr.listening import listening_time
from ivr.scripted import ScriptedChannel
from routing.calendar_types import PARIS
from routing.rules import RulesSnapshot


async def simulate(
    rules: RulesSnapshot, at: datetime, keys: Sequence[str], *, hang_up_at: int | None = None,
    no_input_replays: int = NO_INPUT_REPLAYS, durations: Mapping[str, float] | None = None,
) -> dict[str, object]:
    """Run the menu with `keys` (one entry per read, "" for a timeout) at the fixed time `at`.

    A naive `at` is Europe/Paris local time. The result is JSON-ready; access codes typed in `keys`
    appear nowhere in it (the journey records them as "<code>"). `listening_s` is how long the caller listens:
    the prompts heard (`durations`, name -> seconds from the sound files; estimated from the text for the others,
    listed in `listening_estimated`) and the timeouts waited.
    """
    moment = at if at.tzinfo is not None else at.replace(tzinfo=PARIS)
    channel = ScriptedChannel(keys, hang_up_at=hang_up_at)
    journey = Journey()
    result = await run_menu(channel, rules, lambda: moment, journey, no_input_replays=no_input_replays)
    listening = listening_time(journey.prompts, channel.waited_ms, durations or {}, {**PROMPTS, **rules.prompts})
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
        **listening.to_json(),
    }
