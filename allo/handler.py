"""The `ivr` FastAGI route: run the menu on the cached rules, carry out the decision, record the journey."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from agi.errors import AgiError, AgiHangup
from agi.session import AgiSession
from allo.calls import CallRecorder
from allo.db.models import CallOutcome
from allo.metrics import Metrics
from allo.privacy import pseudonymise
from allo.rules.cache import RulesCache
from ivr.agi_channel import AgiChannel
from ivr.engine import Journey, MenuOutcome, MenuResult, run_menu
from routing.route import Route

log = logging.getLogger(__name__)

OUTCOMES = {
    MenuOutcome.QUEUED: CallOutcome.QUEUED,
    MenuOutcome.CLOSED: CallOutcome.CLOSED,
    MenuOutcome.INFO: CallOutcome.INFO,
    MenuOutcome.EXTERNAL: CallOutcome.EXTERNAL,
    MenuOutcome.HUNG_UP: CallOutcome.HUNG_UP_IN_MENU,
}
ENDED = {CallOutcome.CLOSED, CallOutcome.INFO, CallOutcome.EXTERNAL, CallOutcome.HUNG_UP_IN_MENU}
FALLBACK_QUEUE = "l1"


class IvrHandler:
    def __init__(self, recorder: CallRecorder, metrics: Metrics, pseudonym_key: bytes, rules: RulesCache,
                 clock: Callable[[], datetime]) -> None:
        self._recorder = recorder
        self._metrics = metrics
        self._key = pseudonym_key
        self._rules = rules
        self._clock = clock

    async def handle(self, session: AgiSession) -> None:
        call_id = session.uniqueid
        self._recorder.submit(call_id, {
            "caller_hash": pseudonymise(self._key, session.caller_id),
            "dialled": session.env.get("agi_extension", "")[:32],
            "started_at": datetime.now(UTC),
            "outcome": CallOutcome.IN_MENU,
        })
        rules = self._rules.snapshot
        if rules is None:
            # No rules could ever be loaded (database down since start-up): when in doubt, level 1.
            await self._route_without_rules(session, call_id)
            return
        journey = Journey()
        result = await run_menu(AgiChannel(session), rules, self._clock, journey)
        if result.outcome is not MenuOutcome.HUNG_UP:
            try:
                for name, value in result.route.channel_variables().items():
                    await session.set_variable(name, value)
            except AgiHangup:
                journey.trace.append("caller hung up before the route was handed to the dialplan")
                result = MenuResult(MenuOutcome.HUNG_UP, Route.hangup(), result.sector, result.closed)
        self._record(call_id, rules.version, journey, result)

    async def _route_without_rules(self, session: AgiSession, call_id: str) -> None:
        trace = ["no rules loaded (database unreachable since start-up): level 1"]
        try:
            for name, value in Route.to_queue(FALLBACK_QUEUE).channel_variables().items():
                await session.set_variable(name, value)
        except AgiError:
            trace.append("could not set the route; the dialplan falls back to level 1")
        self._recorder.submit(call_id, {"route_queue": FALLBACK_QUEUE, "trace": trace,
                                        "menu_trace": "; ".join(trace)})

    def _record(self, call_id: str, version: int, journey: Journey, result: MenuResult) -> None:
        outcome = OUTCOMES[result.outcome]
        self._metrics.routes.labels(result.outcome.value, result.route.queue or "").inc()
        values: dict[str, Any] = {
            "outcome": outcome,
            "route_queue": result.route.queue,
            "sector": result.sector,
            "keys": ",".join(journey.inputs),
            "trace": list(journey.trace),
            "menu_trace": "; ".join([f"played={','.join(journey.prompts)}", *journey.trace])[:20000],
            "rules_version": version,
        }
        if outcome in ENDED:
            values["ended_at"] = datetime.now(UTC)
            values["end_reason"] = "hangup_in_menu" if outcome is CallOutcome.HUNG_UP_IN_MENU else outcome.value
        self._recorder.submit(call_id, values)
