"""The entry plan carries the offer at entry: a callback (with what to say before it) or the overflow queue."""

from __future__ import annotations

from acd.ami.event_types import DeviceState
from acd.live.state import LiveState, MemberState, QueueLive, WaitingCaller, system_clock
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


BEST = ["allo/mots/meilleurs-moments", "allo/mots/le", "allo/jours/mardi"]


def _busy_planner(waiting: int, threshold: int, *policies: QueuePolicy) -> QueueEntryPlanner:
    live = LiveState(system_clock)
    callers = {f"c{n}": WaitingCaller(f"c{n}", n + 1, 0.0, 0.0) for n in range(waiting)}
    busy = MemberState("PJSIP/agent1001", "agent1001", DeviceState.INUSE, False, "", True, 0)
    live.queues["l1"] = QueueLive("l1", waiting=callers, members={"PJSIP/agent1001": busy})
    return QueueEntryPlanner(None, live, _Figures(*policies), repeat_days=0,  # type: ignore[arg-type]
                             best_hours=lambda queue: BEST if queue == "l1" else [], best_hours_threshold_s=threshold)


async def test_over_the_best_hours_threshold_the_caller_hears_them_after_the_estimate_and_still_waits():
    # One adviser busy, one caller ahead: the estimate is 2 x 180 s.
    plan = await _busy_planner(1, 300).plan("l1", None)
    assert plan.offer is EntryOffer.NONE and plan.announcement[-len(BEST) - 1:] == [*BEST, QueuePrompt.EXIT_KEY]
    assert QueuePrompt.ESTIMATE in plan.announcement[:-len(BEST)]  # after the position and the estimate
    assert "best hours: estimate 360 s over 300 s, said" in plan.trace
    assert BEST[0] not in (await _busy_planner(1, 360).plan("l1", None)).announcement  # not over the threshold
    assert BEST[0] not in (await _busy_planner(1, 0).plan("l1", None)).announcement  # 0: never


async def test_with_the_callback_offer_the_best_hours_come_before_the_choice():
    policy = QueuePolicy("l1", 900, MaxWaitAction.CALLBACK, offer_at_waiting=1)
    plan = await _busy_planner(1, 60, policy).plan("l1", None)
    assert plan.offer is EntryOffer.CALLBACK and plan.offer_speech[-len(BEST):] == BEST
    assert BEST[0] not in plan.after_offer
