"""`allo cluster size`: the sizing table as Markdown or JSON, the node's figures from a bench results file, bad
input on stderr with exit code 2."""

from __future__ import annotations

import json

import pytest

from allo.cli.main import main


@pytest.fixture
def run(tmp_path, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--state-dir", str(tmp_path), "cluster", "size", *args])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def test_markdown_table_for_the_french_administration(run):
    code, out, err = run()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[:2] == ["| quantity | value | how |", "|---|---|---|"]
    assert "| Calls a year | 220 000 000 | given |" in lines
    assert any(line.startswith("| Open days | 252 |") for line in lines)
    assert any(line.startswith("| Calls per open day | 873 016 |") for line in lines)
    assert all(line.count("|") == 4 for line in lines)


def test_json_with_the_node_figures_of_a_bench_run(run, tmp_path):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"sections": {
        "journey": {"result": {"best": {"allo": 30}}}, "concurrency": {"result": {"best_calls": 200}},
        "cluster": {"result": {"best": {"proxy": {"calls_per_s": 40}},
                               "planning": {"kamailio_requests_per_s": 1234, "db_rows_per_call": 7,
                                            "db_rows_per_s": 900}}}}}))
    code, out, _ = run("--format", "json", "--bench", str(bench), "--calls-per-year", "1e6", "--talk", "240")
    assert code == 0
    doc = json.loads(out)
    assert doc["inputs"]["node"] == {"calls_per_s": 30.0, "concurrent": 200, "headroom": 0.5}  # min(30, 40)
    assert (doc["inputs"]["kamailio_requests_per_s"], doc["inputs"]["db_rows_per_call"]) == (1234, 7)
    assert doc["inputs"]["db_rows_per_s"] == 900 and doc["inputs"]["sip_requests_per_call"] == 8  # default kept
    assert doc["inputs"]["talk_s"] == 240
    assert doc["sizing"]["calls_per_open_day"] == pytest.approx(1e6 / 252)
    # A flag given on the command line wins over the bench's figure.
    code, out, _ = run("--format", "json", "--bench", str(bench), "--node-concurrent", "300")
    assert json.loads(out)["inputs"]["node"]["concurrent"] == 300


@pytest.mark.parametrize("args", [["--talk", "0"], ["--headroom", "1.5"], ["--open-from", "21"],
                                  ["--bench", "/nonexistent/bench.json"]])
def test_bad_input_exits_2_with_a_message(run, args):
    code, out, err = run(*args)
    assert code == 2 and out == "" and err.startswith("allo cluster size: ")
