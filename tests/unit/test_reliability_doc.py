"""docs/reliability.md is rendered from what the fault and attack tests recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import reliability


def test_records_are_rendered_grouped_by_kind_with_their_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reliability, "RESULTS_DIR", tmp_path)
    reliability.record("b-fault", kind="fault", title="Something killed", load="3 calls/s",
                       observed={"calls dropped": 0, "back after (s)": 1.234}, passed=True, notes="why")
    reliability.record("a-attack", kind="attack", title="Garbage sent", load="idle",
                       observed={"server errors": 2}, passed=False)
    records = reliability.load_records(tmp_path)
    assert [r["name"] for r in records] == ["a-attack", "b-fault"]
    text = reliability.render(records)
    assert text.index("## Faults under load") < text.index("## Hostile input")
    assert "| calls dropped | 0 |" in text and "| back after (s) | 1.23 |" in text
    assert "**FAILED**" in text and "why" in text
    doc, notes = tmp_path / "doc.md", tmp_path / "notes.md"
    notes.write_text("## Reading\nhand-written\n")
    reliability.write_doc(tmp_path, doc, notes)
    assert doc.read_text().endswith("## Reading\nhand-written\n")


def test_an_unknown_kind_is_refused_and_a_broken_record_is_skipped(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reliability, "RESULTS_DIR", tmp_path)
    with pytest.raises(ValueError, match="unknown kind"):
        reliability.record("x", kind="other", title="x", load="", observed={}, passed=True)
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "ok.json").write_text(json.dumps({"name": "ok"}))
    assert reliability.load_records(tmp_path) == [{"name": "ok"}]
