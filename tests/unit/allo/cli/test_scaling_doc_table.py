"""docs/scaling.md's sizing table is `allo cluster size`'s output, not typed in: the command written above it,
run now on the bench results file it names, prints the table the page shows."""

from __future__ import annotations

import re
from pathlib import Path

from allo.cli.main import main

ROOT = Path(__file__).resolve().parents[4]


def test_the_pasted_table_is_the_commands_output(tmp_path, capsys):
    doc = (ROOT / "docs" / "scaling.md").read_text()
    command = re.search(r"^    allo cluster size (--bench (\S+))$", doc, re.MULTILINE)
    assert command is not None, "docs/scaling.md no longer shows the command of its sizing table"
    assert (ROOT / command.group(2)).is_file()
    assert main(["--state-dir", str(tmp_path), "cluster", "size", "--bench", str(ROOT / command.group(2))]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| quantity | value | how |")
    assert f"{command.group(0)}\n\n{table}" in doc
