"""The reconciler's pure diff: desired state (PostgreSQL) against this node's members (Asterisk) -> AMI actions."""

from __future__ import annotations

from acd.agents import Membership
from acd.ami.event_types import DeviceState
from acd.live.state import MemberState, QueueLive
from acd.wrapup import wrapup_reason
from allo.agents.reconciler import Action, Desired, Member, Step, diff, members_of, plan

A = "agent2003"
QUEUES = (Membership("l2-consommation", 0), Membership("l2-fiscalite", 2))


def wish(logged_in: bool = True, paused: bool = False, reason: str = "") -> Desired:
    return Desired(A, logged_in, paused, reason, QUEUES)


def both(paused: bool = False, reason: str = "") -> dict[str, Member]:
    return {"l2-consommation": Member("l2-consommation", paused, reason, 0),
            "l2-fiscalite": Member("l2-fiscalite", paused, reason, 2)}


def test_login_adds_every_queue_paused_then_makes_available() -> None:
    assert diff(wish(), {}) == [
        Action(Step.ADD, A, "l2-consommation", penalty=0), Action(Step.UNPAUSE, A, "l2-consommation"),
        Action(Step.ADD, A, "l2-fiscalite", penalty=2), Action(Step.UNPAUSE, A, "l2-fiscalite")]


def test_login_while_paused_adds_then_pauses_with_the_reason() -> None:
    assert diff(wish(paused=True, reason="formation"), {}) == [
        Action(Step.ADD, A, "l2-consommation", penalty=0),
        Action(Step.PAUSE, A, "l2-consommation", reason="formation"),
        Action(Step.ADD, A, "l2-fiscalite", penalty=2), Action(Step.PAUSE, A, "l2-fiscalite", reason="formation")]


def test_matching_state_needs_nothing() -> None:
    assert diff(wish(), both()) == []
    assert diff(wish(paused=True, reason="dejeuner"), both(True, "dejeuner")) == []
    assert diff(wish(logged_in=False), {}) == []


def test_logout_removes_from_every_queue_even_one_not_served_any_more() -> None:
    members = both() | {"l1": Member("l1")}
    assert diff(wish(logged_in=False), members) == [
        Action(Step.REMOVE, A, "l1"), Action(Step.REMOVE, A, "l2-consommation"), Action(Step.REMOVE, A, "l2-fiscalite")]


def test_pause_resume_and_a_new_reason() -> None:
    assert diff(wish(paused=True, reason="reunion"), both()) == [
        Action(Step.PAUSE, A, "l2-consommation", reason="reunion"),
        Action(Step.PAUSE, A, "l2-fiscalite", reason="reunion")]
    assert diff(wish(), both(True, "reunion")) == [
        Action(Step.UNPAUSE, A, "l2-consommation"), Action(Step.UNPAUSE, A, "l2-fiscalite")]
    assert diff(wish(paused=True, reason="formation"), both(True, "reunion")) == [
        Action(Step.PAUSE, A, "l2-consommation", reason="formation"),
        Action(Step.PAUSE, A, "l2-fiscalite", reason="formation")]


def test_queues_changed_by_ops_apply_to_a_logged_in_adviser() -> None:
    members = {"l1": Member("l1"), "l2-fiscalite": Member("l2-fiscalite", penalty=0)}
    assert diff(wish(), members) == [
        Action(Step.REMOVE, A, "l1"),
        Action(Step.ADD, A, "l2-consommation", penalty=0), Action(Step.UNPAUSE, A, "l2-consommation"),
        Action(Step.PENALTY, A, "l2-fiscalite", penalty=2)]


def test_a_disabled_adviser_serves_no_queue_and_is_removed() -> None:
    assert diff(Desired(A, True, queues=()), both()) == [
        Action(Step.REMOVE, A, "l2-consommation"), Action(Step.REMOVE, A, "l2-fiscalite")]


def test_the_wrapup_pause_is_never_lifted_but_an_own_pause_replaces_it() -> None:
    wrapup = wrapup_reason(1_900_000_000, "nodea-1700000000.12")
    assert diff(wish(), both(True, wrapup)) == []
    assert diff(wish(paused=True, reason="dejeuner"), both(True, wrapup)) == [
        Action(Step.PAUSE, A, "l2-consommation", reason="dejeuner"),
        Action(Step.PAUSE, A, "l2-fiscalite", reason="dejeuner")]
    # A queue added during the wrap-up waits for its end like the others.
    assert diff(wish(), {"l2-fiscalite": Member("l2-fiscalite", True, wrapup, 2)}) == [
        Action(Step.ADD, A, "l2-consommation", penalty=0), Action(Step.PAUSE, A, "l2-consommation", reason=wrapup)]
    # Logging out ends it too.
    assert [a.step for a in diff(wish(logged_in=False), both(True, wrapup))] == [Step.REMOVE, Step.REMOVE]


def _queue(name: str, *members: MemberState) -> QueueLive:
    return QueueLive(name, members={m.interface: m for m in members})


def _member(name: str, paused: bool = False, reason: str = "", penalty: int = 0) -> MemberState:
    return MemberState(f"PJSIP/{name}", name, DeviceState.NOT_INUSE, paused, reason, False, 0, penalty=penalty)


def test_members_of_the_live_state_and_unmanaged_agents_left_alone() -> None:
    queues = {"l1": _queue("l1", _member("agent1001"), _member(A, True, "telephone")),
              "l2-fiscalite": _queue("l2-fiscalite", _member(A, penalty=2))}
    assert members_of(queues, A) == {"l1": Member("l1", True, "telephone", 0),
                                     "l2-fiscalite": Member("l2-fiscalite", False, "", 2)}
    # agent1001 has no desired state (no row): nothing is planned for it, although it serves l1 here.
    actions = plan([wish()], queues)
    assert {a.agent for a in actions} == {A}
    assert actions == [Action(Step.REMOVE, A, "l1"), Action(Step.ADD, A, "l2-consommation", penalty=0),
                       Action(Step.UNPAUSE, A, "l2-consommation")]
