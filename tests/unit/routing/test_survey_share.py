from __future__ import annotations

import pytest

from routing.survey import Survey, sampled


def test_one_in_one_surveys_every_call() -> None:
    assert all(sampled(f"1700000000.{n}", 1) for n in range(200))


def test_share_is_close_to_one_in_five_and_stable() -> None:
    ids = [f"17650{n:05d}.{n % 97}" for n in range(10_000)]
    chosen = [call for call in ids if sampled(call, 5)]
    assert 1_850 <= len(chosen) <= 2_150
    assert chosen == [call for call in ids if sampled(call, 5)]


def test_disabled_survey_surveys_nobody() -> None:
    assert not any(Survey(enabled=False, one_in=1).surveys(f"c{n}") for n in range(50))


@pytest.mark.parametrize("one_in", [0, 101])
def test_share_out_of_range_is_refused(one_in: int) -> None:
    with pytest.raises(ValueError):
        Survey(one_in=one_in)
