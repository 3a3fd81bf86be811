"""Entering a queue from the menu: max-wait timeout, repeat-caller preference, and the wait announcement.

Runs in the `ivr` route once the menu has chosen a queue. The repeat-caller lookup starts with the call
(`start_lookup`) so that it is done, or abandoned, by the time the menu ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.live.state import LiveState, QueueLive
from acd.queues.entry_offer import EntryOffer, Trigger, entry_offer, over_threshold
from acd.queues.exit_policy import QueuePolicy
from acd.queues.summary import staffing
from acd.queues.wait_estimate import estimate_wait
from allo.db.models import Call
from allo.queues.figures import QueueFigures
from ivr.queue_prompts import QueuePrompt
from ivr.wait_speech import entry_offer_speech, position_prompts, wait_announcement

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT = 0.3  # seconds the end of the menu may wait for the repeat-caller lookup
# Lookups running at once, at most: beyond, the call queues as usual without one. The preference is a comfort; on
# a saturated machine (bench, 80 calls/s) unbounded lookups took the whole connection pool and the call-record
# writer, the callbacks and the rules reload waited behind them.
MAX_LOOKUPS = 4


@dataclass(frozen=True)
class EntryPlan:
    timeout_s: int
    variables: dict[str, str] = field(default_factory=dict)  # beyond the route's own
    announcement: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    offer: EntryOffer = EntryOffer.NONE
    offer_speech: list[str] = field(default_factory=list)  # before "Pour être rappelé, tapez 9 ; ..." (CALLBACK)
    queue: str | None = None  # the queue to join instead (OVERFLOW)
    after_offer: list[str] = field(default_factory=list)  # the announcement once the offer was said and declined


def will_wait(queue: QueueLive | None) -> bool:
    """Nobody free to take the call at once, or callers already ahead."""
    if queue is None:
        return True
    return bool(queue.waiting) or not any(member.available for member in queue.members.values())


def available_member(queue: QueueLive | None, agent: str) -> bool:
    return queue is not None and any(m.name == agent and m.available for m in queue.members.values())


class QueueEntryPlanner:
    def __init__(self, engine: AsyncEngine, live: LiveState, figures: QueueFigures, repeat_days: int, *,
                 best_hours: Callable[[str], list[str]] | None = None, best_hours_threshold_s: int = 0) -> None:
        """`best_hours`: the best hours' prompts of a queue, said to a caller whose estimate is above
        `best_hours_threshold_s` (0: never)."""
        self._engine = engine
        self._best_hours = best_hours
        self._best_hours_threshold_s = best_hours_threshold_s
        self._live = live
        self._figures = figures
        self._repeat_days = repeat_days
        self._lookups: set[asyncio.Task[str | None]] = set()
        self.skipped_lookups = 0  # lookups not started because MAX_LOOKUPS were running

    def start_lookup(self, caller_hash: str | None,
                     older_hashes: Sequence[str] = ()) -> asyncio.Task[str | None] | None:
        """`older_hashes`: the caller's pseudonyms under previous keys (a key rotation keeps recognition)."""
        if not caller_hash or self._repeat_days <= 0:
            return None
        if len(self._lookups) >= MAX_LOOKUPS:
            self.skipped_lookups += 1
            return None
        task = asyncio.create_task(self._last_agent([caller_hash, *older_hashes]))
        self._lookups.add(task)
        task.add_done_callback(self._lookups.discard)
        task.add_done_callback(_consume)
        return task

    async def _last_agent(self, caller_hashes: list[str]) -> str | None:
        since = datetime.now(UTC) - timedelta(days=self._repeat_days)
        query = (select(Call.agent).where(Call.caller_hash.in_(caller_hashes), Call.answered_at >= since,
                                          Call.agent.is_not(None))
                 .order_by(Call.answered_at.desc()).limit(1))
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    async def plan(self, queue_name: str, lookup: asyncio.Task[str | None] | None) -> EntryPlan:
        policy = self._figures.policy(queue_name)
        queue = self._live.queues.get(queue_name)
        timeout = policy.route_timeout(overflowed=False)
        trace = [f"queue {queue_name}: max wait {timeout} s" if timeout else f"queue {queue_name}: no max wait"]
        agent = await _settle(lookup)
        if agent is not None and available_member(queue, agent):
            trace.append(f"repeat caller: {agent} rung first")
            return EntryPlan(timeout, {"ALLO_PREFERRED_AGENT": agent,
                                       "ALLO_PREFERRED_RING": str(policy.ring_timeout)}, [], trace)
        if agent is not None:
            trace.append(f"repeat caller: {agent} not available in {queue_name}, queue as usual")
        if not will_wait(queue):
            return EntryPlan(timeout, {}, [], trace)
        position = len(queue.waiting) + 1 if queue else 1
        estimate = estimate_wait(position, self._figures.waits(queue_name), staffing(queue))
        offer = entry_offer(policy, position - 1, estimate)
        best = self._best_hours_speech(queue_name, estimate, trace)
        if offer is not EntryOffer.NONE:
            plan = self._offer_plan(policy, offer, position, estimate, trace)
            return replace(plan, offer_speech=[*plan.offer_speech, *best]) if plan.offer_speech else plan
        announcement = _before_exit_key(wait_announcement(position, estimate), best)
        every = policy.announce_every
        trace.append(f"waits: position {position}, estimate {estimate if estimate is not None else '-'} s"
                     + ("" if announcement else ", nothing said before joining")
                     + (f", position and estimate repeated every {every} s while waiting" if every > 0 else ""))
        return EntryPlan(timeout, {}, announcement, trace)

    def _best_hours_speech(self, queue_name: str, estimate: int | None, trace: list[str]) -> list[str]:
        """The best hours to call, for a caller told of a long wait (then they wait, or take the callback)."""
        threshold = self._best_hours_threshold_s
        if self._best_hours is None or threshold <= 0 or estimate is None or estimate <= threshold:
            return []
        prompts = self._best_hours(queue_name)
        trace.append(f"best hours: estimate {estimate} s over {threshold} s, "
                     + ("said" if prompts else "none known yet"))
        return prompts

    def wait_speech(self, queue_name: str) -> list[str]:
        """What a caller arriving in `queue_name` without the menu (a transfer) hears before joining: position,
        estimate and exit key when they will wait, else nothing; then repeated while they wait."""
        queue = self._live.queues.get(queue_name)
        if not will_wait(queue):
            return []
        position = len(queue.waiting) + 1 if queue else 1
        return wait_announcement(position, estimate_wait(position, self._figures.waits(queue_name), staffing(queue)))

    def _offer_plan(self, policy: QueuePolicy, offer: EntryOffer, position: int, estimate: int | None,
                    trace: list[str]) -> EntryPlan:
        over = over_threshold(policy, position - 1, estimate)
        trace.append(f"entry offer: {offer.value} ({position - 1} waiting, estimate "
                     f"{estimate if estimate is not None else '-'} s, over the {over or '-'} threshold)")
        if offer is EntryOffer.OVERFLOW and policy.overflow_queue:
            target = self._figures.policy(policy.overflow_queue)
            return EntryPlan(target.route_timeout(overflowed=True), {}, [], trace, offer, [], target.name)
        speech = entry_offer_speech(policy.offer_at_wait_s if over is Trigger.ESTIMATE else None, estimate)
        # Declined: the estimate was just said; the position and the exit key are said here.
        after = [*position_prompts(position), QueuePrompt.EXIT_KEY]
        return EntryPlan(policy.route_timeout(overflowed=False), {}, wait_announcement(position, estimate), trace,
                         offer, speech, after_offer=after)


def _before_exit_key(announcement: list[str], best: list[str]) -> list[str]:
    """The best hours after the position and estimate, before « pour être rappelé ..., tapez 9 »."""
    if announcement and announcement[-1] == QueuePrompt.EXIT_KEY:
        return [*announcement[:-1], *best, announcement[-1]]
    return [*announcement, *best]


def _consume(task: asyncio.Task[str | None]) -> None:
    # A lookup nobody awaited (caller gone in the menu) must not log "exception never retrieved".
    if not task.cancelled():
        task.exception()


async def _settle(lookup: asyncio.Task[str | None] | None) -> str | None:
    """The lookup's answer if it comes in time; any failure means "queue as usual"."""
    if lookup is None:
        return None
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT):
            return await asyncio.shield(lookup)
    except TimeoutError:
        lookup.cancel()
        log.warning("repeat-caller lookup too slow: queue as usual")
    except Exception as exc:
        log.warning("repeat-caller lookup failed: %s", type(exc).__name__)
    return None
