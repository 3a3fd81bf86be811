"""The sizing of the road to many (acd/planning/sizing.py), on inputs small enough to check by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import holidays
import pytest

from acd.planning.erlang import agents_needed
from acd.planning.profile import WEEKDAY_FACTOR, hourly_shares, peak_day_factor, peak_hour_share
from acd.planning.sizing import NodeCapacity, SizingInputError, SizingInputs, open_days, size
from acd.planning.types import Targets

# One open hour a day (share 1) on Mondays only (day factor 1): 200 calls an hour, the Call Centre Helper example
# of test_erlang_references.py (AHT 180 s, 80 % in 20 s, shrinkage 0.3: 14 agents, 20 scheduled, ASA 7.836 s).
HAND = SizingInputs(calls_per_year=200 * 250, open_days=250, open_weekdays=1, open_from=8, open_to=9,
                    menu_s=60, talk_s=150, wrapup_s=30, target_percent=80, target_seconds=20, shrinkage=0.3,
                    node=NodeCapacity(calls_per_s=100, concurrent=10_000), sip_requests_per_call=8,
                    register_s=600, qualify_s=30, kamailio_requests_per_s=2000, db_rows_per_call=10,
                    db_rows_per_s=2000)


def test_open_days_of_2026_monday_to_friday():
    # 2026 begins on a Thursday: 52 weeks and one Thursday, 261 weekdays; 9 public holidays fall on a weekday
    # (1 Jan, Easter Monday 6 Apr, 1 May, 8 May, Ascension 14 May, Whit Monday 25 May, 14 Jul, 11 Nov, 25 Dec).
    assert open_days(2026, 5, set()) == 261
    assert open_days(2026, 5, holidays.country_holidays("FR", years=2026)) == 252
    assert open_days(2026, 6, {date(2026, 8, 15)}) == 261 + 52 - 1  # Saturday 15 August closed


def test_profile_peaks():
    assert peak_day_factor(5) == pytest.approx(1.30 / ((1.30 + 1.10 + 1.00 + 0.95 + 0.85) / 5))  # 1.25
    assert peak_day_factor(1) == 1.0
    assert WEEKDAY_FACTOR[6] == 0.0
    shares = hourly_shares(8, 20)
    assert sum(shares) == pytest.approx(1.0)
    assert shares.index(max(shares)) in (1, 2)  # 09:00 or 10:00, the morning peak of the curve
    assert peak_hour_share(8, 20) == pytest.approx(0.1352, abs=1e-4)
    assert peak_hour_share(8, 9) == 1.0
    with pytest.raises(ValueError):
        hourly_shares(20, 8)


def test_one_node_hand_checked():
    s = size(HAND)
    assert (s.calls_per_open_day, s.peak_day_factor, s.peak_hour_share) == (200, 1.0, 1.0)
    assert s.peak_calls_per_s == pytest.approx(200 / 3600)
    assert s.shards == 1
    assert s.traffic_erlangs == pytest.approx(10.0)
    assert (s.advisers_on_phone, s.advisers_scheduled) == (14, 20)
    assert s.mean_wait_s == pytest.approx(7.836, abs=1e-3)
    # Little: 200/3600 calls/s x (60 + 7.836 + 150) s = 12.102; channels add the adviser's leg: + 8.333.
    assert s.concurrent_calls == pytest.approx(12.102, abs=1e-3)
    assert s.channels == pytest.approx(20.435, abs=1e-3)
    # 0.0556 x 8 + 14 / 600 + 14 x 2 / 30 = 0.444 + 0.023 + 0.933 requests/s: one Kamailio, plus its spare.
    assert s.sip_requests_per_s == pytest.approx(1.4011, abs=1e-4)
    assert s.kamailio_instances == 2
    assert s.db_rows_per_s == pytest.approx(0.5556, abs=1e-4) and s.db_shards == 1
    assert (s.sip_nodes_pairs, s.sip_nodes_n_plus_1) == (2, 2)


def test_channels_split_the_traffic_into_shards():
    # A node planned at 12 channels (24 x 0.5): one shard needs 20.4, two need (20 + rate x ASA) / 2 each.
    s = size(replace(HAND, node=NodeCapacity(calls_per_s=100, concurrent=24, headroom=0.5)))
    half = agents_needed(100, 180, Targets(target_seconds=20, target_percent=80), shrinkage=0.3)
    assert s.shards == 2
    assert s.advisers_on_phone == 2 * half.agents and s.advisers_scheduled == 2 * half.scheduled
    assert s.mean_wait_s == pytest.approx(half.asa_s)
    assert s.channels / 2 <= 12 < size(HAND).channels
    assert (s.sip_nodes_pairs, s.sip_nodes_n_plus_1) == (4, 3)


def test_the_rate_splits_too():
    s = size(replace(HAND, node=NodeCapacity(calls_per_s=0.01, concurrent=10_000, headroom=1.0)))
    assert s.shards == 6  # ceil(0.0556 / 0.01)


def test_database_and_kamailio_split_when_over_their_planned_rate():
    s = size(replace(HAND, db_rows_per_s=0.2, kamailio_requests_per_s=0.5))
    assert s.db_shards == 3  # ceil(0.5556 / 0.2)
    assert s.kamailio_instances == 3 + 1  # ceil(1.4011 / 0.5) + the spare


def test_french_administration_headline():
    s = size(SizingInputs(calls_per_year=220e6, open_days=252))
    assert s.calls_per_open_day == pytest.approx(873_015.9, abs=0.1)
    assert s.peak_calls_per_s == pytest.approx(220e6 / 252 * 1.25 * peak_hour_share(8, 20) / 3600, rel=1e-12)
    assert 40 < s.peak_calls_per_s < 42  # far under one node's 60 calls/s: the calls held at once decide
    assert s.shards * 200 >= s.channels > (s.shards - 1) * 200


@pytest.mark.parametrize("change", [{"calls_per_year": 0}, {"open_days": 0}, {"talk_s": -1}, {"menu_s": -1},
                                    {"node": NodeCapacity(calls_per_s=1, concurrent=0)},
                                    {"node": NodeCapacity(calls_per_s=1, concurrent=10, headroom=0)},
                                    {"open_from": 20, "open_to": 8}, {"open_weekdays": 8},
                                    {"calls_per_year": float("nan")}])
def test_refusals(change):
    with pytest.raises(SizingInputError):
        size(replace(HAND, **change))
