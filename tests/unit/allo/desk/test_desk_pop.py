"""The screen-pop assembled from rows (no database): path with codes masked, origin, wait, repeat caller's previous
contact (only while connected), level-2 transfer origin with the level-1 notes, and the degraded pop."""

from __future__ import annotations

from datetime import UTC, datetime

from allo.db.models import Call, CallOutcome, LegOutcome, QueueLeg
from allo.desk.pop import DEGRADED, CallFacts, Note, PopOrigin, PopRequest, PreviousContact, assemble_pop
from allo.records.lookup import call_view

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 7, 9, 2, tzinfo=UTC)


def request(agent: str = "agent1", queue: str = "l1", waited: int | None = 42,
            origin: PopOrigin = PopOrigin.QUEUE) -> PopRequest:
    return PopRequest("1700.1", agent, queue, waited, origin, 1_765_098_120.5)


def facts(*, dialled: str = "3939", relay: bool = False, preferred: bool = False,
          previous: PreviousContact | None = None, level1_agent: str | None = None,
          notes: list[Note] | None = None, legs: list[QueueLeg] | None = None) -> CallFacts:
    call = Call(call_id="1700.1", dialled=dialled, started_at=T0, outcome=CallOutcome.ANSWERED, route_queue="l1",
                keys="2,<code>,1", sector="travail", level1_agent=level1_agent, agent="agent1",
                trace=["menu main: key 2 (Travail) -> submenu", "access code for sector travail",
                       "menu travail: key 1 (Licenciement) -> queue"])
    return CallFacts(view=call_view(call, legs or [], None), relay=relay, preferred_agent=preferred,
                     transferred_at=T1 if level1_agent else None, notes=notes or [], previous=previous,
                     level1_reason="Réclamation" if level1_agent else None)


def test_path_in_french_with_the_code_masked() -> None:
    pop = assemble_pop(request(), facts(), sector="travail", level=1, with_repeat=True)
    assert pop["path"]["keys"] == ["2", "code (masqué)", "1"]
    assert pop["path"]["steps"] == ["Menu main : touche 2 (Travail) → sous-menu",
                                    "Menu travail : touche 1 (Licenciement) → file"]
    assert pop["path"]["sector"] == "travail"
    assert (pop["call_id"], pop["queue"], pop["waited_s"], pop["level"]) == ("1700.1", "l1", 42, 1)
    assert (pop["origin"], pop["repeat"], pop["transfer"], pop["error"]) == ("queue", None, None, None)
    assert pop["event_wall"] == 1_765_098_120.5
    assert pop["answered_at"].startswith("2025-12-07T09:02:00.5")


def test_origins() -> None:
    assert assemble_pop(request(), facts(dialled="callback"), sector=None, level=1,
                        with_repeat=True)["origin"] == "callback"
    assert assemble_pop(request(), facts(relay=True), sector=None, level=1, with_repeat=True)["origin"] == "relay"
    assert assemble_pop(request(), facts(preferred=True), sector=None, level=1,
                        with_repeat=True)["origin"] == "repeat"


def test_repeat_caller_s_previous_contact_only_while_connected() -> None:
    note = Note(7, "conseil1", "agent9", "attestation envoyée", T0, None)
    previous = PreviousContact("1699.5", T0, "Suivi d'un dossier en cours", "answered", [note])
    pop = assemble_pop(request(), facts(previous=previous), sector=None, level=1, with_repeat=True)
    assert pop["origin"] == "repeat"
    assert pop["repeat"] == {"call_id": "1699.5", "at": T0.isoformat(), "reason_label": "Suivi d'un dossier en cours",
                             "outcome": "answered", "notes": [note.document()]}
    assert assemble_pop(request(), facts(previous=previous), sector=None, level=1, with_repeat=False)["repeat"] is None


def test_level_2_shows_who_transferred_their_reason_and_notes() -> None:
    mine = Note(1, "conseiller.un", "agent1", "licenciement contesté", T0, T1)
    other = Note(2, "expert.deux", "agent2", "à rappeler", T1, None)
    pop = assemble_pop(request(agent="agent2", queue="l2-travail"), facts(level1_agent="agent1", notes=[mine, other]),
                       sector="travail", level=2, with_repeat=True)
    assert pop["transfer"] == {"from_agent": "agent1", "at": T1.isoformat(), "reason_label": "Réclamation",
                               "notes": [mine.document()]}
    assert [n["id"] for n in pop["notes"]] == [1, 2]


def test_waited_from_the_legs_for_a_direct_ring() -> None:
    legs = [QueueLeg(call_id="1700.1", queue="l1", joined_at=T0, position=1, priority=0, left_at=T1,
                     outcome=LegOutcome.ANSWERED, wait_seconds=30, agent="agent1")]
    pop = assemble_pop(request(waited=None, origin=PopOrigin.REPEAT), facts(legs=legs), sector=None, level=1,
                       with_repeat=True)
    assert pop["waited_s"] == 30
    assert pop["answered_at"] == T1.isoformat()


def test_degraded_pop_has_what_the_event_says() -> None:
    pop = assemble_pop(request(), None, sector=None, level=1, with_repeat=True, error=DEGRADED)
    assert (pop["call_id"], pop["queue"], pop["waited_s"], pop["origin"]) == ("1700.1", "l1", 42, "queue")
    assert pop["path"] is None and pop["notes"] == []
    assert pop["error"] == DEGRADED
