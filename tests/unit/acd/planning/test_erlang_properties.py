"""Properties of Erlang C over generated inputs: monotone in the agents, the fewest agents really are the fewest,
every figure in range, even for large traffic."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.planning.erlang import agents_needed, erlang_b, erlang_c, figures, meets
from acd.planning.types import Targets

PROPERTIES = settings(database=None, deadline=None, max_examples=150)

calls_per_hour = st.floats(min_value=0.5, max_value=40_000, allow_nan=False, allow_infinity=False)
aht = st.floats(min_value=5, max_value=1_800, allow_nan=False, allow_infinity=False)
targets = st.builds(Targets,
                    target_seconds=st.floats(min_value=0, max_value=600),
                    target_percent=st.floats(min_value=1, max_value=99.9),
                    max_asa_s=st.none() | st.floats(min_value=0.5, max_value=600))
shrinkage = st.floats(min_value=0, max_value=0.95)


@PROPERTIES
@given(calls_per_hour, aht, st.floats(min_value=0, max_value=600))
def test_more_agents_never_lower_the_service_level(calls, handling, seconds):
    traffic = calls * handling / 3600
    previous = None
    for agents in range(max(0, math.floor(traffic) - 2), math.floor(traffic) + 40):
        staffing = figures(calls, handling, agents, seconds)
        if previous is not None:
            assert staffing.service_level >= previous.service_level
            assert staffing.p_wait <= previous.p_wait
            assert staffing.asa_s <= previous.asa_s
            assert staffing.occupancy <= previous.occupancy
        previous = staffing


@PROPERTIES
@given(calls_per_hour, aht, targets, shrinkage)
def test_the_agents_returned_are_the_fewest_meeting_the_targets(calls, handling, wanted, shrink):
    staffing = agents_needed(calls, handling, wanted, shrink)
    assert meets(staffing, wanted)
    assert staffing == figures(calls, handling, staffing.agents, wanted.target_seconds, shrink)
    assert not meets(figures(calls, handling, staffing.agents - 1, wanted.target_seconds, shrink), wanted)
    assert staffing.occupancy < 1 and staffing.agents > calls * handling / 3600
    assert staffing.scheduled >= staffing.agents
    assert staffing.scheduled * (1 - shrink) >= staffing.agents - 1e-6
    assert (staffing.scheduled - 1) * (1 - shrink) < staffing.agents


@PROPERTIES
@given(st.integers(min_value=0, max_value=3_000), st.floats(min_value=0, max_value=3_000))
def test_every_figure_stays_in_range_for_any_agents_and_traffic(agents, traffic):
    blocking, waiting = erlang_b(agents, traffic), erlang_c(agents, traffic)
    assert 0.0 <= blocking <= 1.0 and 0.0 <= waiting <= 1.0
    assert waiting >= blocking or agents <= traffic  # a queue keeps the calls a loss system would lose
    if traffic > 0:
        staffing = figures(traffic * 3600 / 240, 240, agents, 20)
        assert 0.0 <= staffing.service_level <= 1.0 and 0.0 <= staffing.occupancy <= 1.0
        assert staffing.asa_s >= 0 and (math.isinf(staffing.asa_s) == (agents <= traffic))


@PROPERTIES
@given(st.integers(min_value=1, max_value=60), st.fractions(min_value=0, max_value=80, max_denominator=50))
def test_the_recursion_equals_the_factorial_formula_in_exact_arithmetic(agents, traffic):
    exact = (traffic ** agents / math.factorial(agents)) / sum(traffic ** k / math.factorial(k)
                                                               for k in range(agents + 1))
    assert math.isclose(erlang_b(agents, float(traffic)), float(exact), rel_tol=1e-12, abs_tol=1e-300)
