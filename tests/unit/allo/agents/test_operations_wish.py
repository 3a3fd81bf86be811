"""An adviser action's desired state, and what undoes it on this node when PostgreSQL did not record it (pure)."""

from __future__ import annotations

import pytest

from acd.agents import AgentAction, Membership
from allo.agents.operations import NotPossibleNow, next_wish, undo_actions
from allo.agents.presence import Wish
from allo.agents.reconciler import Action, Step

A = "agent2003"
SERVED = [Membership("l2-consommation", 0), Membership("l2-fiscalite", 2)]


def test_each_action_sets_the_desired_state() -> None:
    out, available, paused = Wish(False), Wish(True), Wish(True, True, "reunion")
    assert next_wish(A, out, AgentAction.LOGIN, "") == available
    assert next_wish(A, paused, AgentAction.LOGIN, "") == available  # a login makes available, as always
    assert next_wish(A, paused, AgentAction.LOGOUT, "") == out
    assert next_wish(A, available, AgentAction.PAUSE, "formation") == Wish(True, True, "formation")
    assert next_wish(A, available, AgentAction.PAUSE, "") == Wish(True, True, "pause")
    assert next_wish(A, paused, AgentAction.RESUME, "") == available


@pytest.mark.parametrize("action", [AgentAction.PAUSE, AgentAction.RESUME])
def test_pause_or_resume_needs_the_adviser_logged_in(action: AgentAction) -> None:
    with pytest.raises(NotPossibleNow, match="not logged in"):
        next_wish(A, Wish(False), action, "reunion")


def test_undo_of_each_action() -> None:
    out, available, paused = Wish(False), Wish(True), Wish(True, True, "reunion")
    assert undo_actions(A, out, available, SERVED) == [Action(Step.REMOVE, A, "l2-consommation"),
                                                       Action(Step.REMOVE, A, "l2-fiscalite")]
    assert undo_actions(A, paused, out, SERVED) == [
        Action(Step.ADD, A, "l2-consommation", penalty=0), Action(Step.PAUSE, A, "l2-consommation", reason="reunion"),
        Action(Step.ADD, A, "l2-fiscalite", penalty=2), Action(Step.PAUSE, A, "l2-fiscalite", reason="reunion")]
    assert undo_actions(A, available, paused, SERVED) == [Action(Step.UNPAUSE, A, "l2-consommation"),
                                                          Action(Step.UNPAUSE, A, "l2-fiscalite")]
    assert undo_actions(A, paused, available, SERVED) == [
        Action(Step.PAUSE, A, "l2-consommation", reason="reunion"),
        Action(Step.PAUSE, A, "l2-fiscalite", reason="reunion")]
