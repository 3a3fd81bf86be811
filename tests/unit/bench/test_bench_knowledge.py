"""Pure parts of the knowledge bench section: the fixed queries, the targets and the rendered table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.__main__ import carry
from bench.sections import _kbqueries as queries
from bench.sections.knowledge import targets
from bench.sections.knowledge_render import render


def test_about_fifty_queries_of_each_kind_with_their_naive_words() -> None:
    assert 45 <= len(queries.KNOWLEDGE) <= 55 and 45 <= len(queries.DIRECTORY) <= 55
    paths = queries.knowledge_paths()
    assert len(set(paths)) == len(paths)
    assert parse_qs(urlsplit(paths[0]).query) == {"q": ["demission"], "limit": ["10"]}
    assert all(p.startswith("/api/directory/search?") for p in queries.directory_paths())
    assert queries.words("caf saint-étienne") == ["%caf%", "%saint%", "%étienne%"]
    assert queries.words("d'") == ["%"]
    assert len(queries.knowledge_words()) == len(queries.KNOWLEDGE)


def _search(p95: float, hits: list[int | None]) -> dict[str, Any]:
    return {"requests": 100, "requests_per_s": 500.0, "statuses": {"200": 100}, "errors": {}, "hits": hits,
            "latency": {"p50_ms": 3.0, "p95_ms": p95, "p99_ms": p95 + 1, "max_ms": 50.0},
            "cpu_pct_of_one_core": {"service": 80.0, "postgres": 60.0}}


def _result(bodies: int, wall: float, peak: float) -> dict[str, Any]:
    imp = {"command": "allo directory import /tmp/x.json", "exit_code": 0, "wall_s": wall, "peak_rss_mb": peak,
           "cpu_s": 30.0, "postgres_cpu_s": 12.0, "output_tail": ""}
    return {"parameters": {"sheets": 5500, "bodies": bodies, "concurrency": 16, "seconds": 15.0, "seed": 17},
            "generated": {"sheets": 5500, "sheets_xml_mb": 39.5, "sheets_zip_mb": 12.4, "bodies": bodies,
                          "communes": 34000, "directory_json_mb": 283.6, "seconds": 15.0},
            "imports": {"knowledge": {**imp, "command": "allo knowledge import /tmp/x.zip"}, "directory": imp},
            "rows": {"kb_sheets": 5500, "dir_bodies": bodies},
            "search": {"role": "agent", "http": {"knowledge": _search(12.0, [3, 0]),
                                                 "directory": _search(45.0, [1, 1])},
                       "paced": {"knowledge": _search(8.0, [3, 0]), "directory": _search(25.0, [1, 1])},
                       "naive": {"knowledge": {**_search(300.0, [1, None]), "sql": "…"},
                                 "directory": {"error": "UndefinedColumnError: no"}}},
            "categories": {"knowledge": ["misspelt", "accent-less"], "directory": ["type + commune"] * 2}}


def test_targets_are_met_only_at_full_scale_and_under_the_limits() -> None:
    met = {t["target"]: t["met"] for t in targets(_result(80_000, 41.0, 120.0))}
    assert met == {"80,000 bodies imported < 60 s": True, "directory import peak memory < 300 MB": True,
                   "knowledge search p95 < 30 ms (16 paced clients, think 1 s, ~50 queries)": True,
                   "knowledge search p95 < 30 ms (16 closed-loop clients, ~50 queries)": True,
                   "directory search p95 < 30 ms (16 paced clients, think 1 s, ~50 queries)": True,
                   "directory search p95 < 30 ms (16 closed-loop clients, ~50 queries)": False}
    judged = [t["target"] for t in targets(_result(80_000, 41.0, 120.0)) if t.get("judged")]
    assert judged == ["knowledge search p95 < 30 ms (16 paced clients, think 1 s, ~50 queries)",
                      "directory search p95 < 30 ms (16 paced clients, think 1 s, ~50 queries)"]
    quick = targets(_result(10_000, 5.0, 90.0))
    assert not quick[0]["met"] and "(measured at 10,000 bodies)" in quick[0]["target"]


def test_render_has_imports_both_searches_and_the_naive_scan() -> None:
    text = render(_result(80_000, 41.0, 120.0))
    assert "| `allo directory import …` | 0 | 41.0 | 120.0 | 30.0 / 12.0 |" in text
    assert ("| knowledge, API, 16 closed-loop (saturation) | 100 | 500.0 | 3.00 / 12.0 / 13.0 / 50.0 | 0 / 0 "
            "| 1 of 2 |") in text
    assert "| knowledge, API, 16 paced, think 1 s (target) | 100 | 500.0 | 3.00 / 8.00 / 9.00 / 50.0 |" in text
    assert "| knowledge, naive ILIKE | 100 |" in text
    assert "| directory, naive ILIKE | failed: `UndefinedColumnError: no`" in text
    assert "- knowledge: misspelt 1 / 1 of 1; accent-less 0 / 0 of 1" in text


def test_carry_keeps_the_other_sections_of_an_earlier_run(tmp_path: Path) -> None:
    earlier = tmp_path / "old.json"
    earlier.write_text(json.dumps({"started_utc": "20261205T195852Z", "quick": False,
                                   "sections": {"api": {"result": {}}, "knowledge": {"result": {"old": 1}}}}))
    result: dict[str, Any] = {"sections": {"knowledge": {"result": {"new": 1}}}}
    carry(result, earlier)
    assert result["sections"]["knowledge"] == {"result": {"new": 1}} and "api" in result["sections"]
    assert result["note"].startswith("Sections api are carried unchanged from the run 20261205T195852Z")


def test_carry_names_the_run_each_section_was_measured_in(tmp_path: Path) -> None:
    earlier = tmp_path / "mid.json"
    earlier.write_text(json.dumps({
        "started_utc": "20261207T070118Z", "quick": False,
        "note": "Sections journey, api are carried unchanged from the run 20261205T195852Z (full mode, `a.json`); "
                "only knowledge ran now.",
        "sections": {"journey": {"result": {}}, "api": {"result": {}}, "knowledge": {"result": {}},
                     "fanout": {"result": {}, "carried_from": "20261201T000000Z"}}}))
    result: dict[str, Any] = {"sections": {"desk": {"result": {}}}}
    carry(result, earlier)
    assert result["sections"]["journey"]["carried_from"] == "20261205T195852Z"
    assert result["sections"]["knowledge"]["carried_from"] == "20261207T070118Z"
    assert result["sections"]["fanout"]["carried_from"] == "20261201T000000Z"
    assert result["note"] == ("Sections journey, api are carried unchanged from the run 20261205T195852Z; fanout from "
                              "the run 20261201T000000Z; knowledge from the run 20261207T070118Z (full mode, "
                              "`mid.json`); only desk ran now.")
