"""The call lookup's pure parts: the trace in French, keys masked, the journey, the query's French refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from allo.records.journey_view import (
    CODE_SHOWN,
    NO_KEY,
    NUMBER_SHOWN,
    CallView,
    Leg,
    journey_steps,
    shown_keys,
    split_menu_trace,
    trace_lines,
)
from allo.records.lookup_params import BadLookup, parse_lookup
from allo.records.trace_labels import end_label, trace_label
from routing.calendar_types import PARIS

# Lines as the engine and routing.decide really write them (a call pressing 1 then 0 in the seeded menu).
TRACE = [
    "rules v7: entry",
    "service general open at Mon 2026-12-07 10:15 by calendar general: weekly",
    "-> menu",
    "menu main",
    "menu main: key 2 (Code d'accès) -> access_code",
    "access code wrong (attempt 1/3)",
    "rules v7: level1 (key 0)",
    "service general closed at Fri 2026-12-25 10:00 by calendar general: public_holiday (Noël)",
    "-> closed message, hang up",
]


def test_every_trace_line_of_a_journey_reads_in_french():
    labels = [trace_label(line) for line in TRACE]
    assert labels == [
        "Règles v7 : décision « arrivée »",
        "Service general ouvert le lun. 07/12/2026 à 10:15 (calendrier general : horaires de la semaine)",
        "→ menu",
        "Menu main",
        "Menu main : touche 2 (Code d'accès) → code d'accès",
        "Code d'accès faux (essai 1/3)",
        "Règles v7 : décision « niveau 1 » (touche 0)",
        "Service general fermé le ven. 25/12/2026 à 10:00 (calendrier general : jour férié, Noël)",
        "→ message de fermeture, fin de l'appel",
    ]


@pytest.mark.parametrize(("line", "label"), [
    ("-> queue l1", "→ file l1"),
    ("menu main: no input after 0 replay(s), to level 1",
     "Menu main : aucune touche après 0 réécoute(s), vers le niveau 1"),
    ("queue l1: max wait 30 s", "File l1 : attente maximale 30 s"),
    ("waits: position 2, estimate 45 s", "Attente : position 2, estimation 45 s"),
    ("waits: position 1, estimate - s, too short to announce",
     "Attente : position 1, estimation - s, trop court pour être annoncé"),
    ("caller hung up (during allo/welcome)", "L'appelant a raccroché (during allo/welcome)"),
    ("something new the engine says", "something new the engine says"),  # unknown: kept as written
])
def test_single_lines(line, label):
    assert trace_label(line) == label


def test_keys_never_show_typed_digits():
    assert shown_keys("1,<code>,,<number>,0") == ["1", CODE_SHOWN, NO_KEY, NUMBER_SHOWN, "0"]
    assert shown_keys("2,123456") == ["2", CODE_SHOWN]  # digits recorded by mistake are masked anyway
    assert shown_keys(None) == [] and shown_keys("") == []


def test_menu_trace_gives_prompts_and_queue_notes():
    trace = ["menu main", "-> queue l1"]
    menu_trace = "played=allo/welcome,allo/menu-main,allo/connecting; menu main; -> queue l1; queue l1: max wait 30 s"
    assert split_menu_trace(menu_trace, trace) == (["allo/welcome", "allo/menu-main", "allo/connecting"],
                                                   ["queue l1: max wait 30 s"])
    assert split_menu_trace(None, trace) == ([], [])


def test_journey_in_order():
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    leg = Leg(queue="l1", joined_at=t0, position=1, priority=0, left_at=t0, outcome="answered",
              outcome_label="répondu", wait_seconds=4, agent="agent1001")
    view = CallView(call_id="1.1", dialled="3939", started_at=t0, ended_at=None, outcome="answered",
                    outcome_label="répondu", route_queue="l1", sector=None, agent="agent1001", level1_agent=None,
                    transferred_to=None, keys=["0"], prompts=[],
                    trace=trace_lines(["menu main", "menu main: key 0, adviser"]),
                    queue_notes=[], rules_version=7, rules_editor_version=None, legs=[leg], journey=[])
    labels = [step.label for step in journey_steps(view)]
    assert labels == ["Appel reçu sur le 3939", "Menu : Menu main ; Menu main : touche 0, un conseiller",
                      "Touches : 0", "Entré dans la file l1 (position 1)", "Répondu par agent1001 dans l1 après 4 s",
                      "Issue : répondu"]


def test_lookup_by_id_or_paris_period():
    assert parse_lookup(" 1733540000.42 ", None, None).call_id == "1733540000.42"
    query = parse_lookup(None, "2026-12-07T09:00", "2026-12-07 18:30")
    assert query.start == datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    assert query.end == datetime(2026, 12, 7, 18, 30, tzinfo=PARIS)
    whole_day = parse_lookup(None, "2026-12-07", "2026-12-07")
    assert (whole_day.end - whole_day.start).days == 1
    assert parse_lookup(None, "2026-12-07", None, "10", "20").limit == 10


@pytest.mark.parametrize(("args", "message"), [
    ((None, None, None), "Donnez un identifiant d'appel ou une période"),
    ((None, "hier", None), "« du » : date illisible"),
    ((None, "9999-12-31", None), "« du » : année hors limites"),
    ((None, None, "0001-01-01"), "« au » : année hors limites"),
    ((None, "2026-12-07 10:00", "2026-12-07 09:00"), "La fin de la période doit être après son début"),
    ((None, "2026-01-01", "2026-03-01"), "La période dépasse 31 jours"),
    (("1;DROP", None, None), "Identifiant d'appel invalide"),
    ((None, "2026-12-07", None, "0"), "« limit » doit être un nombre entier de 1 à 200"),
    ((None, "2026-12-07", None, "abc"), "« limit »"),
])
def test_refusals_are_french(args, message):
    with pytest.raises(BadLookup, match=message):
        parse_lookup(*args)


def test_a_call_cut_by_a_node_loss_says_so_with_its_node():
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    leg = Leg(queue="l1", joined_at=t0, position=2, priority=0, left_at=t0, outcome="left",
              outcome_label="sorti de la file", wait_seconds=30, agent=None, end_reason="node_lost")
    view = CallView(call_id="b-1.1", dialled="3939", started_at=t0, ended_at=t0, outcome="queued",
                    outcome_label="en file", route_queue="l1", sector=None, agent=None, level1_agent=None,
                    transferred_to=None, keys=[], prompts=[], trace=[], queue_notes=[], rules_version=None,
                    rules_editor_version=None, legs=[leg], journey=[], node="b", end_reason="node_lost",
                    end_label=end_label("node_lost", "b"))
    labels = [step.label for step in journey_steps(view)]
    assert labels == ["Appel reçu sur le 3939 (nœud b)", "Entré dans la file l1 (position 2)",
                      "Sorti de la file l1 : coupé : perte du nœud b",
                      "Issue : coupé : perte du nœud b (en file)"]
    assert end_label("node_lost", None) == "coupé : perte du nœud"
    assert end_label("abandon", "b") is None
