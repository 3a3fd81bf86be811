"""`GET /api/agents`' rows from the live state: allo's wrap-up pause is told apart from an adviser's own pause."""

from __future__ import annotations

from acd.ami.events import QueueMember, QueueParams
from acd.live.state import LiveState, system_clock
from allo.agents.operations import agent_states


def live_with(*members: QueueMember) -> LiveState:
    live = LiveState(system_clock)
    live.resync([QueueParams("l1", 0, "leastrecent", 0, 0, 0, 0, 0, 60, 0.0), *members])
    return live


def member(name: str, *, reason: str) -> QueueMember:
    return QueueMember(queue="l1", interface=f"PJSIP/{name}", member_name=name, status=1, paused=True, reason=reason,
                       in_call=False, calls_taken=0)


def test_a_wrapup_is_work_after_a_call_and_an_own_pause_is_a_pause() -> None:
    live = live_with(member("agent1", reason="apres-appel/1765000000/1765.1"), member("agent2", reason="dejeuner"))
    rows = {row["agent"]: row for row in agent_states(live, ["agent1", "agent2", "agent3"])}
    assert (rows["agent1"]["paused"], rows["agent1"]["in_wrapup"]) == (True, True)
    assert (rows["agent2"]["paused"], rows["agent2"]["in_wrapup"], rows["agent2"]["pause_reason"]) == \
        (True, False, "dejeuner")
    assert (rows["agent3"]["logged_in"], rows["agent3"]["in_wrapup"]) == (False, False)
