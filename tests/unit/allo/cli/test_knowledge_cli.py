"""`allo knowledge import`: its options and the summary it prints (the import itself: tests/integration)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from allo.cli.knowledge import print_report
from allo.cli.main import build_parser
from allo.knowledge.importer import ImportReport


def test_options() -> None:
    args = build_parser().parse_args(["knowledge", "import", "vosdroits.zip", "--partial", "--skip-bad"])
    assert (args.path, args.partial, args.skip_bad, args.progress) == (Path("vosdroits.zip"), True, True, False)
    plain = build_parser().parse_args(["knowledge", "import", "dir"])
    assert (plain.partial, plain.skip_bad, plain.progress) == (False, False, False)


def test_summary(capsys) -> None:
    report = ImportReport(source="vosdroits.zip", partial=False, files=5, added=2, updated=1, unchanged=1,
                          retired=3, ignored=4, unknown=Counter({"Cadre": 2}),
                          skipped=[{"file": "F1.xml", "line": 3, "error": "XML mal formé / malformed XML: x"}],
                          missing_links=[("F2", "F9")], duplicates=["F2.xml"])
    print_report(report)
    out = capsys.readouterr().out
    assert "knowledge import of vosdroits.zip (full snapshot): 5 sheet file(s), 4 other file(s) ignored" in out
    assert "added 2, updated 1, unchanged 1, restored 0, retired 3, skipped 1" in out
    assert "unknown elements (kept as text): Cadre 2" in out
    assert "skipped F1.xml:3: XML mal formé / malformed XML: x" in out
    assert "F2: link to F9, absent" in out and "F2.xml: same sheet id as an earlier file, ignored" in out
