"""The entry plan carries the offer at entry: a callback (with what to say before it) or the overflow queue."""

from __future__ import annotations

from acd.live.state import LiveState, QueueLive, WaitingCaller, system_clock
from acd.queues.entry_offer import EntryOffer
from acd.queues.exit_policy import MaxWaitAction, QueuePolicy
from acd.queues.wait_estimate import RecentWaits
from allo.queues.entry import QueueEntryPlanner
from ivr.queue_prompts import QueuePrompt


class _Figures:
    def __init__(self, *policies: QueuePolicy) -> None:
        self.policies = {p.name: p for p in policies}

    def policy(self, queue: str) -> QueuePolicy:
        return self.policies.get(queue) or QueuePolicy(queue)

    def waits(self, _queue: str) -> RecentWaits:
        return RecentWaits()


def _planner(waiting: int, *policies: QueuePolicy) -> QueueEntryPlanner:
    live = LiveState(system_clock)
    callers = {f"c{n}": WaitingCaller(f"c{n}", n + 1, 0.0, 0.0) for n in range(waiting)}
    live.queues["l1"] = QueueLive("l1", waiting=callers)
    return QueueEntryPlanner(None, live, _Figures(*policies), repeat_days=0)  # type: ignore[arg-type]


async def test_over_the_waiting_threshold_a_callback_is_offered_before_joining():
    policy = QueuePolicy("l1", 900, MaxWaitAction.CALLBACK, announce_every=60, offer_at_waiting=2)
    plan = await _planner(2, policy).plan("l1", None)
    assert plan.offer is EntryOffer.CALLBACK and plan.timeout_s == 900
    assert plan.offer_speech == [QueuePrompt.LONG]  # nobody working: no estimate to say
    # Declined: position and exit key said before joining (then repeated, with the estimate, by allo).
    assert plan.after_offer == [QueuePrompt.POSITION, "allo/nombres/3", QueuePrompt.EXIT_KEY]
    assert any(line.startswith("entry offer: callback (2 waiting") for line in plan.trace), plan.trace
    assert (await _planner(1, policy).plan("l1", None)).offer is EntryOffer.NONE


async def test_over_the_threshold_an_overflow_queue_is_joined_instead():
    policy = QueuePolicy("l2-consommation", 600, MaxWaitAction.OVERFLOW, "l1", offer_at_waiting=1)
    live = LiveState(system_clock)
    live.queues["l2-consommation"] = QueueLive("l2-consommation", waiting={"c": WaitingCaller("c", 1, 0.0, 0.0)})
    figures = _Figures(policy, QueuePolicy("l1", 900, MaxWaitAction.CALLBACK))
    planner = QueueEntryPlanner(None, live, figures, repeat_days=0)  # type: ignore[arg-type]
    plan = await planner.plan("l2-consommation", None)
    assert plan.offer is EntryOffer.OVERFLOW and plan.queue == "l1" and plan.timeout_s == 900
