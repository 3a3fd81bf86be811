"""`allo planning erlang`: JSON on stdout, bad input on stderr with exit code 2 (nothing read or written)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from allo.cli.main import main

EXAMPLE = ["--calls-per-hour", "200", "--aht", "180", "--target-percent", "80", "--target-seconds", "20"]


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ALLO_PLANNING_SHRINKAGE", raising=False)

    def run(*args: str) -> tuple[int, dict | None, str]:
        code = main(["--state-dir", str(tmp_path), "planning", "erlang", *args])
        out = capsys.readouterr()
        return code, json.loads(out.out) if out.out else None, out.err
    return run


def test_without_agents_the_fewest_meeting_the_targets(run):
    # The Call Centre Helper example: 100 calls per half hour, AHT 180 s, 80 % in 20 s, 30 % shrinkage.
    code, figures, err = run(*EXAMPLE, "--shrinkage", "0.3")
    assert code == 0 and err == ""
    assert {"agents", "service_level", "p_wait", "asa_s", "occupancy", "scheduled"} <= set(figures)
    assert (figures["agents"], figures["scheduled"], figures["meets_targets"]) == (14, 20, True)
    assert figures["service_level"] == pytest.approx(0.88835, abs=1e-6)
    assert figures["p_wait"] == pytest.approx(0.174132, abs=1e-6)
    assert figures["asa_s"] == pytest.approx(7.836, abs=1e-3)
    assert figures["occupancy"] == pytest.approx(0.714286, abs=1e-6)
    assert figures["traffic_erlangs"] == 10.0


def test_with_agents_the_figures_of_that_many_and_null_asa_when_unstable(run):
    code, thirteen, _ = run(*EXAMPLE, "--agents", "13", "--shrinkage", "0")
    assert code == 0 and thirteen["agents"] == 13 and thirteen["scheduled"] == 13
    assert thirteen["service_level"] == pytest.approx(0.795595, abs=1e-6) and thirteen["meets_targets"] is False
    code, ten, _ = run(*EXAMPLE, "--agents", "10", "--shrinkage", "0")
    assert code == 0
    assert (ten["service_level"], ten["p_wait"], ten["asa_s"], ten["occupancy"]) == (0.0, 1.0, None, 1.0)


def test_a_maximum_asa_can_ask_for_more_agents(run):
    _, plain, _ = run(*EXAMPLE, "--shrinkage", "0")
    _, capped, _ = run(*EXAMPLE, "--shrinkage", "0", "--max-asa", "2")
    assert plain["agents"] == 14 and capped["agents"] == 16 and capped["asa_s"] <= 2


def test_shrinkage_defaults_to_the_planning_setting(run, monkeypatch):
    monkeypatch.setenv("ALLO_PLANNING_SHRINKAGE", "0.5")
    _, figures, _ = run(*EXAMPLE)
    assert figures["shrinkage"] == 0.5 and figures["scheduled"] == 28


@pytest.mark.parametrize(("args", "words"), [
    (["--calls-per-hour", "0", "--aht", "180", "--target-percent", "80", "--target-seconds", "20"], "aucun trafic"),
    (["--calls-per-hour", "200", "--aht", "0", "--target-percent", "80", "--target-seconds", "20"],
     "durée moyenne de traitement"),
    ([*EXAMPLE[:4], "--target-percent", "101", "--target-seconds", "20"], "100 %"),
    ([*EXAMPLE, "--shrinkage", "1"], "shrinkage"),
    ([*EXAMPLE, "--agents", "-3"], "entier positif"),
])
def test_impossible_input_is_a_clear_message_and_exit_code_2(run, args, words):
    code, figures, err = run(*args)
    assert code == 2 and figures is None
    assert err.startswith("allo planning erlang: ") and words in err


def test_the_installed_command_refuses_a_malformed_number_with_exit_code_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "allo.cli.main", "--state-dir", str(tmp_path), "planning", "erlang",
                           "--calls-per-hour", "beaucoup", "--aht", "180", "--target-percent", "80",
                           "--target-seconds", "20"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert "--calls-per-hour" in done.stderr and "invalid float value" in done.stderr
    assert not list(tmp_path.iterdir())  # a calculator writes nothing, not even the secrets
