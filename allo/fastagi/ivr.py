"""The `ivr` FastAGI route: run the menu on the cached rules, carry out the decision, record the journey."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from acd.callbacks.types import CallbackBooking, CallbackOrigin
from acd.queues.entry_offer import EntryOffer
from agi.errors import AgiError, AgiHangup
from agi.session import AgiSession
from allo.callbacks.booking import booker
from allo.code_guard.guard import CallCodeGuard
from allo.code_guard.ledger import CodeLedger
from allo.db.models import CallOutcome
from allo.fastagi.channel import AgiChannel
from allo.metrics import Metrics
from allo.planning.best_hours import BestHours
from allo.privacy.pseudonyms import PseudonymKeys, normalise_number
from allo.queues.entry import EntryPlan, QueueEntryPlanner
from allo.records.recorder import CallRecorder
from allo.rules.cache import RulesCache
from ivr.callback_offer import Book, CallbackDialog, OfferOutcome, offer_callback
from ivr.engine import BestHoursFn, DecideFn, Journey, MenuOutcome, MenuResult, OfferFn, run_menu
from ivr.entry_offer import EntryChoice, offer_at_entry
from ivr.errors import CallerHungUp
from routing.decide import decide as routing_decide
from routing.relay import RelayMatch
from routing.route import Route
from routing.rules import LEVEL1_QUEUE

log = logging.getLogger(__name__)

OUTCOMES = {
    MenuOutcome.QUEUED: CallOutcome.QUEUED,
    MenuOutcome.CLOSED: CallOutcome.CLOSED,
    MenuOutcome.INFO: CallOutcome.INFO,
    MenuOutcome.EXTERNAL: CallOutcome.EXTERNAL,
    MenuOutcome.HUNG_UP: CallOutcome.HUNG_UP_IN_MENU,
    MenuOutcome.CALLBACK: CallOutcome.CALLBACK,
}
ENDED = {CallOutcome.CLOSED, CallOutcome.INFO, CallOutcome.EXTERNAL, CallOutcome.HUNG_UP_IN_MENU,
         CallOutcome.CALLBACK}


class IvrHandler:
    def __init__(self, recorder: CallRecorder, metrics: Metrics, pseudonyms: PseudonymKeys, rules: RulesCache,
                 clock: Callable[[], datetime], *, entry: QueueEntryPlanner | None = None,
                 booking: CallbackBooking | None = None,
                 decide: DecideFn = routing_decide, no_input_replays: int = 0, ledger: CodeLedger | None = None,
                 relay: RelayMatch | None = None, relay_input_ms: int = 0, relay_priority: int = 0,
                 best_hours: BestHours | None = None) -> None:
        self._recorder = recorder
        self._metrics = metrics
        self._pseudonyms = pseudonyms
        self._rules = rules
        self._clock = clock
        self._entry = entry
        self._booking = booking
        self._decide = decide
        self._no_input_replays = no_input_replays
        self._ledger = ledger
        self._relay = relay or RelayMatch()
        self._relay_input_ms = relay_input_ms
        self._relay_priority = relay_priority
        self._best_hours = best_hours

    async def handle(self, session: AgiSession) -> None:
        call_id = session.uniqueid
        caller_hash = self._pseudonyms.pseudonym(session.caller_id)
        older = self._pseudonyms.older_pseudonyms(session.caller_id)
        lookup = None
        if self._entry is not None:
            lookup = self._entry.start_lookup(caller_hash, older)
        # From the dialplan: the SIP source, and the number dialled when a relay's dedicated number led to 3939.
        dialled = session.args.get("to") or session.env.get("agi_extension", "")
        relay_why = self._relay.match(session.args.get("source"), session.caller_id, dialled, normalise_number)
        self._recorder.submit(call_id, {
            "caller_hash": caller_hash,
            "dialled": dialled[:32],
            "started_at": datetime.now(UTC),
            "outcome": CallOutcome.IN_MENU,
            "relay": relay_why is not None,
        })
        rules = self._rules.snapshot
        if rules is None:
            # No rules could ever be loaded (database down since start-up): when in doubt, level 1.
            await self._route_without_rules(session, call_id)
            return
        journey = Journey()
        if relay_why is not None:
            journey.trace.append(f"relay call ({relay_why})")
        channel = AgiChannel(session)
        hashes = [caller_hash, *older] if caller_hash else []
        guard = CallCodeGuard(self._ledger, hashes, relay=relay_why is not None) if self._ledger else None
        result = await run_menu(channel, rules, self._clock, journey, decide=self._decide,
                                offer_callback=self._menu_offer(session, caller_hash, relay=relay_why is not None),
                                no_input_replays=self._no_input_replays, code_guard=guard,
                                input_floor_ms=self._relay_input_ms if relay_why is not None else 0,
                                announce_survey=rules.survey.surveys(call_id),
                                best_hours=self._closed_best_hours())
        extra: dict[str, str] = {}
        if result.outcome is MenuOutcome.QUEUED and result.route.queue and self._entry is not None:
            result, extra = await self._enter_queue(session, channel, journey, result, queue=result.route.queue,
                                                    lookup=lookup, relay=relay_why is not None)
        if result.outcome is MenuOutcome.QUEUED and relay_why is not None:
            # Served before ordinary calls (an interpreter waits with the caller), after transfers (10).
            extra["QUEUE_PRIO"] = str(self._relay_priority)
            extra["ALLO_RELAY"] = "1"  # the queue-exit route learns it from the dialplan
            journey.queue_notes.append(f"relay call: queue priority {self._relay_priority}")
        if result.outcome is MenuOutcome.QUEUED and journey.survey_announced:
            # Inherited (`__`) so that it follows the caller across a transfer (docs/after-call.md).
            extra["__ALLO_SURVEY"] = "1"
        if result.outcome is not MenuOutcome.HUNG_UP:
            try:
                for name, value in {**result.route.channel_variables(), **extra}.items():
                    await session.set_variable(name, value)
            except AgiHangup:
                journey.trace.append("caller hung up before the route was handed to the dialplan")
                result = MenuResult(MenuOutcome.HUNG_UP, Route.hangup(), result.sector, result.closed)
        self._record(call_id, rules.version, journey, result, lost=session.connection_lost)

    async def _enter_queue(self, session: AgiSession, channel: AgiChannel, journey: Journey, result: MenuResult, *,
                           queue: str, lookup: asyncio.Task[str | None] | None,
                           relay: bool = False) -> tuple[MenuResult, dict[str, str]]:
        """Max wait, preferred adviser, the offer at entry and the wait announcement; any failure keeps the plain
        route."""
        assert self._entry is not None
        try:
            plan: EntryPlan = await self._entry.plan(queue, lookup)
        except Exception as exc:
            log.warning("queue entry plan failed: %s", type(exc).__name__)
            return result, {}
        journey.queue_notes.extend(plan.trace)
        hung_up = MenuResult(MenuOutcome.HUNG_UP, Route.hangup(), result.sector, result.closed)
        announcement = plan.announcement
        if plan.offer is EntryOffer.OVERFLOW and plan.queue:
            return replace(result, route=replace(result.route, queue=plan.queue, timeout_s=plan.timeout_s)), {}
        if plan.offer is EntryOffer.CALLBACK and self._booking is not None:
            try:
                # A relay call's own number is the platform's: only "another number" is offered.
                offered = await offer_at_entry(channel, plan.offer_speech, None if relay else session.caller_id,
                                               self._entry_booker(session, queue))
            except CallerHungUp:
                journey.trace.append("caller hung up during the offer at entry")
                return hung_up, {}
            journey.prompts.extend(offered.dialog.prompts)
            journey.inputs.extend(offered.dialog.inputs)
            journey.queue_notes.extend(offered.dialog.trace)
            if offered.choice is EntryChoice.BOOKED:
                return MenuResult(MenuOutcome.CALLBACK, Route.hangup(), result.sector, result.closed), {}
            announcement = plan.after_offer
        if announcement:
            try:
                await channel.play(announcement)
            except CallerHungUp:
                journey.trace.append("caller hung up during the wait announcement")
                return hung_up, {}
            journey.prompts.extend(announcement)
        return replace(result, route=replace(result.route, timeout_s=plan.timeout_s)), plan.variables

    def _closed_best_hours(self) -> BestHoursFn | None:
        """The best hours at hand for the closed message (never waits for the database)."""
        report = self._best_hours.current() if self._best_hours is not None else None
        return report.for_service if report is not None else None

    def _entry_booker(self, session: AgiSession, queue: str) -> Book:
        assert self._booking is not None
        snapshot = self._rules.snapshot
        return booker(self._booking, queue=queue, origin=CallbackOrigin.QUEUE, original_arrival=datetime.now(UTC),
                      sector=snapshot.sector_of_queue(queue) if snapshot is not None else None,
                      call_id=session.uniqueid, caller_hash=self._pseudonyms.pseudonym(session.caller_id))

    def _menu_offer(self, session: AgiSession, caller_hash: str | None, *, relay: bool) -> OfferFn | None:
        booking = self._booking
        if booking is None:
            return None
        started = datetime.now(UTC)

        async def offer(dialog: CallbackDialog, queue: str) -> OfferOutcome:
            snapshot = self._rules.snapshot
            sector = snapshot.sector_of_queue(queue) if snapshot is not None else None
            book = booker(booking, queue=queue, origin=CallbackOrigin.MENU, original_arrival=started, sector=sector,
                          call_id=session.uniqueid, caller_hash=caller_hash)
            # A relay call's own number is the platform's: only "another number" is offered.
            own = None if relay else session.caller_id
            return await offer_callback(dialog, own, book, from_menu=True)

        return offer

    async def _route_without_rules(self, session: AgiSession, call_id: str) -> None:
        trace = ["no rules loaded (database unreachable since start-up): level 1"]
        try:
            for name, value in Route.to_queue(LEVEL1_QUEUE).channel_variables().items():
                await session.set_variable(name, value)
        except AgiError:
            trace.append("could not set the route; the dialplan falls back to level 1")
        self._recorder.submit(call_id, {"route_queue": LEVEL1_QUEUE, "trace": trace,
                                        "menu_trace": "; ".join(trace)})

    def _record(self, call_id: str, version: int, journey: Journey, result: MenuResult, *,
                lost: bool = False) -> None:
        """`lost`: the AGI connection ended without Asterisk's hang-up (its Asterisk died). On a cluster node the
        call is then not closed as hung up in the menu: left open, it is closed as cut by the node loss
        (allo/cluster/, docs/scaling.md), as are the node's other calls."""
        outcome = OUTCOMES[result.outcome]
        self._metrics.routes.labels(result.outcome.value, result.route.queue or "").inc()
        values: dict[str, Any] = {
            "outcome": outcome,
            "route_queue": result.route.queue,
            "sector": result.sector,
            "keys": ",".join(journey.inputs),
            "trace": list(journey.trace),
            "menu_trace": "; ".join([f"played={','.join(journey.prompts)}", *journey.trace,
                                     *journey.queue_notes])[:20000],
            "rules_version": version,
        }
        if lost and outcome in ENDED and self._recorder.node is not None:
            values.pop("outcome")
            values["menu_trace"] = values["menu_trace"][:19900] + "; the node's Asterisk went away during the menu"
        elif outcome in ENDED:
            values["ended_at"] = datetime.now(UTC)
            values["end_reason"] = "hangup_in_menu" if outcome is CallOutcome.HUNG_UP_IN_MENU else outcome.value
        self._recorder.submit(call_id, values)
