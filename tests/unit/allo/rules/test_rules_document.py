"""The rules document: JSON round trip, the public view without hashes, and the snapshot the simulator runs."""

from __future__ import annotations

from datetime import datetime

from allo.rules.apply import apply_edit
from allo.rules.document import RulesDocument, to_snapshot
from allo.rules.editor import preview
from allo.rules.edits import parse_edit
from ivr.simulate import simulate
from tests.unit.allo.rules.rules_sample import ACCESS_CODE

MONDAY_10 = datetime(2026, 11, 23, 10, 0)


def test_json_round_trip(doc):
    assert RulesDocument.model_validate(doc.to_json()) == doc
    assert doc.to_json()["calendars"]["general"]["weekly"]["0"] == [{"opens": "08:00", "closes": "20:00"}]


def test_public_view_has_no_hash_nor_salt(doc):
    public = doc.public()
    assert public["access_codes"] == [{"id": 1, "label": "specialist/all sectors", "service": "specialist",
                                       "sector": None}]
    assert doc.access_codes[0].code_hash not in str(public)


async def test_the_snapshot_routes_like_the_seed(doc):
    rules = to_snapshot(doc, 3)
    assert rules.version == 3
    assert (await simulate(rules, MONDAY_10, ["1"]))["queue"] == "l1"
    result = await simulate(rules, MONDAY_10, ["2", f"{ACCESS_CODE}#", "4"])
    assert (result["queue"], result["sector"]) == ("l2-justice", "justice")
    assert ACCESS_CODE not in str(result)


async def test_preview_shows_before_and_after(doc):
    closed, _ = apply_edit(doc, parse_edit({"op": "add_exception", "calendar": "general", "kind": "closure",
                                            "starts_on": "2026-11-23", "ends_on": "2026-11-23",
                                            "message_text": "Fermeture exceptionnelle"}))
    result = await preview(closed, to_snapshot(doc, 5), MONDAY_10, ["1"])
    assert result["live"]["queue"] == "l1"
    assert result["draft"]["outcome"] == "closed" and result["draft"]["closed_service"] == "general"
    assert result["same"] is False
    same = await preview(doc, to_snapshot(doc, 5), MONDAY_10, ["1"])
    assert same["same"] is True
