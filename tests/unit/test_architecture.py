"""The layering rules of docs/architecture.md are import-linter contracts (pyproject.toml, run by `make check`).

These tests prove the contracts bite: a copy of the code with one forbidden import fails `lint-imports`, naming
the contract it breaks, while the untouched copy passes. And the menu's contract keeps up as acd/ grows.
"""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import acd

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
PACKAGES = ("agi", "routing", "ivr", "acd", "allo")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
ACD_TYPE_MODULES = {"acd", "acd.errors", "acd.callbacks", "acd.callbacks.types"}  # what ivr/ may import of acd/


def contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def lint_copy(tmp_path: Path, file: str | None = None, line: str = "") -> subprocess.CompletedProcess[str]:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if file is not None:
        target = tmp_path / file
        target.write_text(target.read_text() + f"\n{line}\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_untouched_code_keeps_every_contract(tmp_path: Path):
    result = lint_copy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("file", "line", "contract"), [
    ("agi/protocol.py", "import routing.rules", "agi-alone"),
    ("acd/live/state.py", "import allo.settings", "core-below-allo"),
    ("routing/decide.py", "import asyncio", "routing-pure"),
    ("ivr/engine.py", "import acd.ami.client", "ivr-any-channel"),
    ("allo/queues/stats.py", "import allo.service", "concepts-below-service"),
    ("allo/api/auth.py", "import allo.web.render", "api-pages-apart"),
    ("allo/service.py", "import allo.app", "allo-layers"),
    ("allo/db/models.py", "import allo.queues.stats", "no-cycles"),
])
def test_one_forbidden_import_breaks_its_contract(tmp_path: Path, file: str, line: str, contract: str):
    result = lint_copy(tmp_path, file, line)
    assert result.returncode != 0, result.stdout
    name = str(contracts()[contract]["name"])
    broken = result.stdout[result.stdout.index("Broken contracts"):]
    assert " ".join(name.split()[:4]) in " ".join(broken.split()), result.stdout


def test_the_menu_contract_forbids_every_module_of_acd_but_its_type_modules():
    forbidden = [str(m) for m in contracts()["ivr-any-channel"]["forbidden_modules"]]  # type: ignore[union-attr]
    modules = ["acd", *(info.name for info in pkgutil.walk_packages(acd.__path__, "acd."))]
    uncovered = [m for m in modules if m not in ACD_TYPE_MODULES
                 and not any(m == f or m.startswith(f + ".") for f in forbidden)]
    assert uncovered == [], f"add to the ivr-any-channel contract, or to ACD_TYPE_MODULES if pure types: {uncovered}"
