"""simulate(): where a call would go, as JSON, without anyone on the line."""

import json
from datetime import UTC, datetime

from ivr.simulate import simulate
from tests.unit.ivr.ivr_testkit import GENERAL_CODE, RULES, TRAVAIL_CODE


async def test_open_key_1():
    out = await simulate(RULES, datetime(2026, 3, 9, 10, 0), ["1"])
    assert out["outcome"] == "queued"
    assert out["queue"] == "l1"
    assert out["sector"] is None
    assert out["route"] == "queue"
    assert out["at"] == "2026-03-09T10:00:00+01:00"
    assert out["prompts"] == ["allo/bienvenue", "allo/menu-principal", "allo/mise-en-relation"]
    assert out["inputs"] == ["1"]
    json.dumps(out)


async def test_sector_by_code_never_shows_the_code():
    out = await simulate(RULES, datetime(2026, 3, 9, 10, 0), ["2", GENERAL_CODE, "2"])
    assert (out["outcome"], out["queue"], out["sector"]) == ("queued", "l2-travail", "travail")
    assert out["inputs"] == ["2", "<code>", "2"]
    text = json.dumps(out)
    assert GENERAL_CODE not in text


async def test_sunday_is_closed():
    out = await simulate(RULES, datetime(2026, 3, 15, 11, 0), ["1"])
    assert out["outcome"] == "closed"
    assert out["route"] == "hangup"
    assert out["queue"] is None
    assert out["closed_service"] == "general"
    assert out["prompts"][-2:] == ["allo/site-internet", "allo/au-revoir"]


async def test_naive_time_is_paris_and_aware_time_is_kept():
    # 12:30 in Paris: the specialist service is open (Tuesday mornings until 13:00) ...
    naive = await simulate(RULES, datetime(2026, 3, 10, 12, 30), ["2", TRAVAIL_CODE])
    assert naive["queue"] == "l2-travail"
    # ... 12:30 UTC is 13:30 in Paris: closed, so level 1 after its hours.
    aware = await simulate(RULES, datetime(2026, 3, 10, 12, 30, tzinfo=UTC), ["2", TRAVAIL_CODE])
    assert aware["at"] == "2026-03-10T12:30:00+00:00"
    assert aware["queue"] == "l1"
    assert aware["closed_service"] == "specialist"
    assert "allo/service-specialise-ferme" in aware["prompts"]


async def test_summer_time():
    out = await simulate(RULES, datetime(2026, 7, 6, 19, 30), ["1"])
    assert out["at"] == "2026-07-06T19:30:00+02:00"
    assert out["queue"] == "l1"


async def test_hang_up():
    out = await simulate(RULES, datetime(2026, 3, 9, 10, 0), ["1"], hang_up_at=2)
    assert out["outcome"] == "hung_up"
    assert out["queue"] is None
    assert out["trace"][-1] == "caller hung up (waiting for keys at allo/menu-principal)"


async def test_no_input_replays_are_simulated():
    once = await simulate(RULES, datetime(2026, 3, 9, 10, 0), [])
    assert once["inputs"] == [""] and once["queue"] == "l1"
    twice = await simulate(RULES, datetime(2026, 3, 9, 10, 0), [], no_input_replays=1)
    assert twice["inputs"] == ["", ""] and twice["queue"] == "l1"
