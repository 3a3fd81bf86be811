"""Erlang C against published worked examples and tables, and against exact rational arithmetic.

Each test names its source and the precision the source prints. The web pages could not be reopened from this
machine (no network when this was written): each figure below was recomputed from the source's own formula and
inputs, and the asserts hold at the printed precision only.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from acd.planning.erlang import agents_needed, erlang_b, erlang_c, figures, meets
from acd.planning.types import Targets


def test_call_centre_helper_worked_example():
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example": 100 calls in 30 minutes,
    # AHT 180 s, target 80 % answered in 20 s: traffic 10 erlangs; 14 agents give 17.4 % waiting and 88.8 % in 20 s
    # (the first count over 80 %: 13 give 79.6 %), occupancy 71.4 %; 30 % shrinkage: 20 agents to schedule.
    # Precision printed: 0.1 % and whole agents.
    staffing = agents_needed(200, 180, Targets(target_seconds=20, target_percent=80), shrinkage=0.3)
    assert staffing.agents == 14
    assert staffing.scheduled == 20
    assert round(staffing.p_wait * 100, 1) == 17.4
    assert round(staffing.service_level * 100, 1) == 88.8
    assert round(staffing.occupancy * 100, 1) == 71.4
    assert round(figures(200, 180, 13, 20).service_level * 100, 1) == 79.6


def test_pyworkforce_documentation_example_to_full_precision():
    # pyworkforce, docs/guide/erlangc.md ("Basic usage"): the same example (transactions=100, interval=30 min,
    # aht=3 min, asa=20/60 min, shrinkage=0.3, service_level=0.8) printed to double precision:
    # raw_positions 14, positions 20, service_level 0.8883500191794669, occupancy 0.7142857142857143,
    # waiting_probability 0.1741319335950498. Their implementation sums factorials; ours never does.
    staffing = agents_needed(200, 180, Targets(20, 80), shrinkage=0.3)
    assert (staffing.agents, staffing.scheduled) == (14, 20)
    assert staffing.service_level == pytest.approx(0.8883500191794669, rel=1e-12)
    assert staffing.p_wait == pytest.approx(0.1741319335950498, rel=1e-12)
    assert staffing.occupancy == pytest.approx(0.7142857142857143, rel=1e-15)


def test_mitan_step_by_step_example():
    # Mitan Ltd, "The Erlang-C formula" (mitan.co.uk/erlang/elgcmath.htm): 360 calls per half hour, 240 s per call,
    # 55 agents, target 15 s: traffic 48 erlangs, occupancy 0.873, P(wait) 0.239 (23.9 %), ASA 8.2 s, service level
    # 84.6 %. Precision printed: 3 decimals, 0.1 s, 0.1 %.
    staffing = figures(720, 240, 55, 15)
    assert round(staffing.occupancy, 3) == 0.873
    assert round(staffing.p_wait, 3) == 0.239
    assert round(staffing.asa_s, 1) == 8.2
    assert round(staffing.service_level * 100, 1) == 84.6


def test_wolfram_erlangc_application():
    # Wolfram Language documentation, ErlangC, "Applications": 30 calls per hour, 5 minutes of service; the fewest
    # employees for a 90 % probability that a call is not delayed: 6 (5 give 13 % delayed). Whole agents.
    assert agents_needed(30, 300, Targets(target_seconds=0, target_percent=90)).agents == 6
    assert erlang_c(5, 2.5) > 0.1 >= erlang_c(6, 2.5)


@pytest.mark.parametrize(("lines", "one_percent", "two_percent"), [
    (5, 1.36, 1.66), (10, 4.46, 5.08), (20, 12.03, 13.18), (50, 37.90, 40.26), (100, 84.06, 87.97)])
def test_erlang_b_table(lines, one_percent, two_percent):
    # The Erlang B table (offered traffic in erlangs for a blocking probability, 2 decimals), e.g. the table of
    # Erlang's B-formula in V. B. Iversen, "Teletraffic Engineering and Network Planning" (ITU-D / DTU).
    def traffic_for(blocking: float) -> float:
        low, high = 0.0, 2.0 * lines
        for _ in range(60):  # bisection: B grows with the traffic
            middle = (low + high) / 2
            low, high = (middle, high) if erlang_b(lines, middle) <= blocking else (low, middle)
        return low
    assert round(traffic_for(0.01), 2) == one_percent
    assert round(traffic_for(0.02), 2) == two_percent


def _exact_erlang_c(agents: int, traffic: Fraction) -> Fraction:
    """The textbook formula in exact rationals, factorials and all (fine in a test, never in the code)."""
    head = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
    tail = sum(traffic ** k / math.factorial(k) for k in range(agents))
    return head / (tail + head)


@pytest.mark.parametrize(("agents", "traffic"), [
    (1, Fraction(1, 2)), (14, Fraction(10)), (55, Fraction(48)), (7, Fraction(13, 3)),
    (1011, Fraction(1000)), (1100, Fraction(1000)), (1020, Fraction(10001, 10))])
def test_erlang_c_matches_exact_rational_arithmetic(agents, traffic):
    assert erlang_c(agents, float(traffic)) == pytest.approx(float(_exact_erlang_c(agents, traffic)), rel=1e-11)


def test_a_thousand_erlangs_is_exact_and_fast_where_factorials_overflow():
    with pytest.raises(OverflowError):
        1000.0 ** 1011 / math.factorial(1011)  # what a factorial implementation in floats would compute
    targets = Targets(target_seconds=20, target_percent=80)
    staffing = agents_needed(20_000, 180, targets)  # 1,000 erlangs
    fewer = figures(20_000, 180, staffing.agents - 1, 20)
    assert staffing.agents == 1011 and meets(staffing, targets) and not meets(fewer, targets)
    assert staffing.p_wait == pytest.approx(float(_exact_erlang_c(1011, Fraction(1000))), rel=1e-11)
    assert 0.8 <= staffing.service_level < 0.82 and 0.98 < staffing.occupancy < 1


@pytest.mark.parametrize("erlangs", [2_000, 10_000, 50_000])
def test_very_large_traffic_stays_in_range(erlangs):
    staffing = agents_needed(erlangs * 3600 / 300, 300, Targets(20, 90, max_asa_s=15))
    assert erlangs < staffing.agents < erlangs * 1.05
    for value in (staffing.service_level, staffing.p_wait, staffing.occupancy):
        assert 0.0 <= value <= 1.0 and math.isfinite(value)
    assert 0.0 <= staffing.asa_s <= 15
