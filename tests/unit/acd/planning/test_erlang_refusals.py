"""Inputs for which no staffing exists are refused with a French message saying which and why."""

from __future__ import annotations

import math

import pytest

from acd.planning.erlang import PlanningInputError, agents_needed, erlang_b, erlang_c, figures, scheduled_agents
from acd.planning.types import Targets

TARGETS = Targets(target_seconds=20, target_percent=80)


@pytest.mark.parametrize(("calls", "aht", "targets", "shrinkage", "words"), [
    (0, 180, TARGETS, 0.0, "aucun trafic"),
    (-5, 180, TARGETS, 0.0, "aucun trafic"),
    (200, 0, TARGETS, 0.0, "durée moyenne de traitement"),
    (200, -3, TARGETS, 0.0, "durée moyenne de traitement"),
    (200, 180, Targets(20, 100.5), 0.0, "100 %"),
    (200, 180, Targets(20, 0), 0.0, "100 %"),
    (200, 180, Targets(-1, 80), 0.0, "délai cible"),
    (200, 180, Targets(20, 80, max_asa_s=0), 0.0, "attente moyenne maximale"),
    (200, 180, TARGETS, 1.0, "shrinkage"),
    (200, 180, TARGETS, -0.1, "shrinkage"),
    (math.nan, 180, TARGETS, 0.0, "nombre fini"),
    (200, math.inf, TARGETS, 0.0, "nombre fini"),
    (1e9, 180, TARGETS, 0.0, "trafic trop élevé"),
])
def test_impossible_inputs_are_refused_with_a_french_message(calls, aht, targets, shrinkage, words):
    with pytest.raises(PlanningInputError, match=words):
        agents_needed(calls, aht, targets, shrinkage)


def test_figures_refuse_a_negative_or_fractional_agent_count_and_no_traffic():
    with pytest.raises(PlanningInputError, match="entier positif"):
        figures(200, 180, -1, 20)
    with pytest.raises(PlanningInputError, match="entier positif"):
        figures(200, 180, 2.5, 20)  # type: ignore[arg-type]
    with pytest.raises(PlanningInputError, match="aucun trafic"):
        figures(0, 180, 3, 20)
    with pytest.raises(ValueError):  # a PlanningInputError is a ValueError
        erlang_b(3, -1.0)
    with pytest.raises(PlanningInputError):
        erlang_c(-2, 1.0)


def test_scheduled_agents_is_not_fooled_by_binary_rounding():
    assert 21 / (1 - 0.3) > 30  # 30.000000000000004: a plain ceil would say 31
    assert scheduled_agents(21, 0.3) == 30
    assert scheduled_agents(14, 0.3) == 20
    assert scheduled_agents(15, 0.3) == 22  # 21.43
    assert scheduled_agents(0, 0.3) == 0
    assert scheduled_agents(7, 0.0) == 7
