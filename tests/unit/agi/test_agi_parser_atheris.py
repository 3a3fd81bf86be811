"""The atheris harness of the AGI parser, run for a bounded number of inputs (docs/hostile-input.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import reliability

pytest.importorskip("atheris", reason="atheris is not installed: no wheel for this interpreter or platform "
                    "(docs/hostile-input.md)")

HARNESS = Path(__file__).with_name("agi_parser_fuzz.py")
ROOT = Path(__file__).resolve().parents[3]
RUNS = 30_000
# Starting points for the mutations (the harness reads its limits and cuts from the first bytes).
SEEDS = (
    b"\x40\x04\x04\x00agi_network: yes\nagi_network_script: ivr\nagi_uniqueid: 1.2\n\n200 result=0 endpos=1\nHANGUP\n",
    b"\x40\x04\x04\x02\x05\x30agi_a: 1\n\n520-Invalid command syntax.\n Usage: x\n520 End of proper usage.\n",
    b"\x40\x04\x04\x00agi_callerid: caf\xe9\n\n200 result=1 (PJSIP/trunk-1) x=y\n",
)


def test_atheris_finds_no_crash_in_the_agi_parser(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index, seed in enumerate(SEEDS):
        (corpus / f"seed-{index}").write_bytes(seed)
    done = subprocess.run([sys.executable, str(HARNESS), f"-runs={RUNS}", "-seed=1", "-max_len=2048",
                           "-timeout=10", f"-artifact_prefix={tmp_path}/", str(corpus)],
                          check=False, capture_output=True, text=True, timeout=300, cwd=ROOT)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-5000:]
    ran = re.search(r"Done (\d+) runs", log)
    assert ran is not None and int(ran.group(1)) >= RUNS, log[-2000:]
    coverage = re.findall(r"cov: (\d+)", log)
    reliability.record("agi_parser_atheris", kind="attack", title="AGI parser under coverage-guided fuzzing (atheris)",
                       load=f"{RUNS} inputs of up to 2048 bytes, random limits and chunkings, seed 1",
                       observed={"inputs run": int(ran.group(1)), "crashes": 0,
                                 "coverage (libFuzzer edges)": int(coverage[-1]) if coverage else "n/a"},
                       passed=True)
