"""`allo directory import` parses its options and prints its counts (no database: the command is tested end to end
in tests/integration/allo/directory/test_directory_cli.py)."""

from __future__ import annotations

from pathlib import Path

from allo.cli.directory import summary
from allo.cli.main import build_parser
from allo.directory.importer import ImportReport


def test_options():
    args = build_parser().parse_args(["directory", "import", "all_latest.tar.bz2", "--partial", "--skip-bad",
                                      "--progress"])
    assert (args.file, args.partial, args.skip_bad, args.progress) == (Path("all_latest.tar.bz2"), True, True, True)
    plain = build_parser().parse_args(["directory", "import", "annuaire.json"])
    assert (plain.partial, plain.skip_bad, plain.progress) == (False, False, False)


def test_summary_line():
    report = ImportReport("annuaire.json", partial=False)
    report.counts.update(read=34, added=30, updated=2, unchanged=1, retired=3, skipped=1, served=42, communes=6)
    assert summary(report) == ("annuaire.json: 34 records read, 30 added, 2 updated, 1 unchanged, 3 retired, "
                               "1 skipped; 42 communes served written, 6 communes known, 0 warnings")
