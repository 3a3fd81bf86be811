"""Access codes bounded across calls: the pure gate, the crossing of a limit, the surge with its hysteresis."""

import pytest

from ivr.code_limit import CodeGate, CodeLimits, WrongCodeCounts, code_gate, crossed, surge_active

LIMITS = CodeLimits(max_wrong=10, window_hours=24, pool_max_wrong=30, pool_window_minutes=10, surge_per_minute=30)


@pytest.mark.parametrize(("caller", "gate"), [(0, CodeGate.ASK), (9, CodeGate.ASK), (10, CodeGate.CALLER_LIMIT),
                                              (12, CodeGate.CALLER_LIMIT)])
def test_a_caller_is_asked_until_its_pseudonym_reaches_the_limit(caller, gate):
    verdict = code_gate(WrongCodeCounts(caller=caller, pool=100), LIMITS, pooled=False)
    assert verdict.gate is gate
    assert f"{caller} wrong codes within 24 h" in verdict.reason and "limit 10" in verdict.reason


def test_pooled_callers_are_held_by_the_pool_only():
    assert code_gate(WrongCodeCounts(caller=50, pool=29), LIMITS, pooled=True).gate is CodeGate.ASK
    verdict = code_gate(WrongCodeCounts(caller=0, pool=30), LIMITS, pooled=True)
    assert verdict.gate is CodeGate.POOL_LIMIT
    assert "callers without a number and relay calls: 30 wrong codes within 10 min" in verdict.reason


def test_an_unknown_count_asks_the_code():
    for pooled in (False, True):
        verdict = code_gate(WrongCodeCounts(None, None), LIMITS, pooled=pooled)
        assert verdict.gate is CodeGate.ASK and "unknown" in verdict.reason


def test_only_the_write_that_reaches_the_limit_crosses_it():
    assert [n for n in range(15) if crossed(n, n + 1, 10)] == [9]


def test_a_surge_starts_at_the_threshold_and_ends_below_half_of_it():
    assert not surge_active(29, 30, False)
    assert surge_active(30, 30, False)
    assert surge_active(15, 30, True)
    assert not surge_active(14, 30, True)
    assert not surge_active(1000, 0, False)  # 0 disables
