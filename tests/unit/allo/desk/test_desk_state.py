"""The adviser's state document from the live state: logged out, available, paused with its label, in a call,
in wrap-up (the wrap-up pause is not a pause of their own)."""

from __future__ import annotations

from acd.ami.events import QueueMember, QueueParams
from acd.live.state import LiveState, system_clock
from allo.desk.state import state_document

LABELS = {"dejeuner": "Déjeuner", "telephone": "Pause depuis le téléphone"}


def label(code: str) -> str:
    return LABELS.get(code, code)


def live_with(*members: QueueMember) -> LiveState:
    live = LiveState(system_clock)
    snapshot = [QueueParams(q, 0, "leastrecent", 0, 0, 0, 0, 0, 60, 0.0) for q in ("l1", "l2-travail")]
    live.resync([*snapshot, *members])
    return live


def member(queue: str = "l1", interface: str = "PJSIP/agent1", **changes: object) -> QueueMember:
    values: dict[str, object] = {"member_name": "agent1", "status": 1, "paused": False, "reason": "",
                                 "in_call": False, "calls_taken": 0}
    values.update(changes)
    return QueueMember(queue=queue, interface=interface, **values)  # type: ignore[arg-type]


def test_logged_out_when_in_no_queue() -> None:
    doc = state_document(live_with(member(interface="PJSIP/agent2")), "agent1", label)
    assert doc["logged_in"] is False
    assert doc["status"] == "deconnecte"
    assert doc["queues"] == []
    assert doc["device"] == "logged_out"


def test_available_in_every_queue() -> None:
    doc = state_document(live_with(member(), member(queue="l2-travail")), "agent1", label)
    assert doc["logged_in"] is True
    assert doc["queues"] == ["l1", "l2-travail"]
    assert (doc["status"], doc["status_label"]) == ("disponible", "disponible")
    assert doc["paused"] is False
    assert doc["wrapup"] is None


def test_paused_with_the_label_of_its_reason() -> None:
    doc = state_document(live_with(member(paused=True, reason="telephone")), "agent1", label)
    assert (doc["status"], doc["status_label"]) == ("en-pause", "en pause")
    assert doc["paused"] is True
    assert doc["pause_reason"] == "telephone"
    assert doc["pause_label"] == "Pause depuis le téléphone"


def test_a_reason_nobody_listed_is_shown_as_itself() -> None:
    doc = state_document(live_with(member(paused=True, reason="formation interne")), "agent1", label)
    assert doc["pause_label"] == "formation interne"


def test_in_call() -> None:
    doc = state_document(live_with(member(in_call=True, status=2)), "agent1", label)
    assert doc["status"] == "en-appel"
    assert doc["in_call"] is True
    assert doc["device"] == "inuse"


def test_wrapup_pause_during_the_call_is_the_call_not_a_pause() -> None:
    doc = state_document(live_with(member(paused=True, reason="apres-appel/0/1700000000.42")), "agent1", label)
    assert doc["status"] == "en-appel"
    assert doc["paused"] is False
    assert doc["pause_reason"] == "" and doc["pause_label"] == ""
    assert doc["in_call"] is True
    assert doc["wrapup"] == {"call_id": "1700000000.42", "deadline": 0}


def test_wrapup_after_the_call_is_apres_appel() -> None:
    doc = state_document(live_with(member(paused=True, reason="apres-appel/1700000090/1700000000.42")), "agent1",
                         label)
    assert (doc["status"], doc["status_label"]) == ("apres-appel", "après-appel")
    assert doc["paused"] is False
    assert doc["in_call"] is False
    assert doc["wrapup"] == {"call_id": "1700000000.42", "deadline": 1700000090}
