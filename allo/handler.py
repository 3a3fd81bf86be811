"""The `ivr` FastAGI route: run the menu, carry out the decision, record the journey."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from agi.errors import AgiError, AgiHangup
from agi.session import AgiSession
from allo.calls import CallRecorder
from allo.db.models import CallOutcome
from allo.metrics import Metrics
from allo.privacy import pseudonymise
from ivr.agi_channel import AgiChannel
from ivr.engine import Journey, run_menu
from routing.decide import CallInfo, RulesSnapshot, decide
from routing.route import Decision

log = logging.getLogger(__name__)


class IvrHandler:
    def __init__(self, recorder: CallRecorder, metrics: Metrics, pseudonym_key: bytes,
                 rules: RulesSnapshot | None = None) -> None:
        self._recorder = recorder
        self._metrics = metrics
        self._key = pseudonym_key
        self.rules = rules or RulesSnapshot()

    async def handle(self, session: AgiSession) -> None:
        call_id = session.uniqueid
        caller_hash = pseudonymise(self._key, session.caller_id)
        dialled = session.env.get("agi_extension", "")
        self._recorder.submit(call_id, {"caller_hash": caller_hash, "dialled": dialled[:32],
                                              "started_at": datetime.now(UTC), "outcome": CallOutcome.IN_MENU})
        journey = Journey()
        channel = AgiChannel(session)

        def decide_now(keys: str) -> Decision:
            return decide(self.rules, CallInfo(dialled, caller_hash, keys), datetime.now(UTC))

        try:
            decision = await run_menu(channel, decide_now, journey)
            for name, value in decision.route.channel_variables().items():
                await channel.set_variable(name, value)
        except AgiHangup:
            self._recorder.submit(call_id, {"outcome": CallOutcome.HUNG_UP_IN_MENU,
                                                  "ended_at": datetime.now(UTC), "end_reason": "hangup_in_menu",
                                                  "menu_trace": _trace(journey, None)})
            raise
        except AgiError:
            # The dialplan falls back to level 1 on its own; keep the record honest.
            self._recorder.submit(call_id, {"outcome": CallOutcome.ERROR, "menu_trace": _trace(journey, None)})
            raise
        route = decision.route
        self._metrics.routes.labels(route.kind.value, route.queue or "").inc()
        self._recorder.submit(call_id, {"route_queue": route.queue, "menu_trace": _trace(journey, decision)})


def _trace(journey: Journey, decision: Decision | None) -> str:
    parts = [f"played={','.join(journey.prompts)}"]
    if journey.failed_prompts:
        parts.append(f"failed={','.join(journey.failed_prompts)}")
    parts.append(f"keys={journey.keys or '-'}")
    if decision is not None:
        parts.append(f"route={decision.route.kind.value}:{decision.route.queue or ''}")
        parts.extend(decision.trace)
    return "; ".join(parts)
