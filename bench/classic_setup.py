"""Set up the classic process-AGI baseline inside the Asterisk root (idempotent, bench set-up only).

Asterisk runs in a Debian sid root, so the AGI script and its Python must exist there: python3 from the root's
own apt when missing, and the pure-Python packages it imports (pyst2, six, routing, holidays, dateutil) copied
into CLASSIC_DIR/lib. The seeded rules and the bench's fixed clock go to CLASSIC_DIR/rules.pickle.
"""

from __future__ import annotations

import importlib
import pickle
import shutil
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path

from allo.errors import SetupError
from allo.setup.procs import say
from bench.dialplan import CLASSIC_DIR
from routing.rules import RulesSnapshot

PACKAGES = ("asterisk", "six", "routing", "holidays", "dateutil")
# Their metadata too: holidays reads its own version with importlib.metadata.
DISTRIBUTIONS = ("pyst2", "six", "holidays", "python-dateutil")
SCRIPT = Path(__file__).with_name("classic_agi.py")


def ensure_python(root: Path) -> str:
    """The root's python3 (installed with the root's apt the first time); returns its version line."""
    if root == Path("/"):
        raise SetupError("classic AGI baseline: a system Asterisk is not supported by the bench (chroot only)")
    if not (root / "usr/bin/python3").exists():
        say(f"installing python3 inside {root} (classic AGI baseline, one time)")
        apt = ["chroot", str(root), "apt-get", "-qq", "-o", "Acquire::Check-Valid-Until=false"]
        subprocess.run([*apt, "update"], check=True, timeout=600)
        subprocess.run(["chroot", str(root), "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y",
                        "-qq", "--no-install-recommends", "python3"], check=True, timeout=900)
    out = subprocess.run(["chroot", str(root), "/usr/bin/python3", "--version"], capture_output=True, text=True,
                         check=True, timeout=30)
    return out.stdout.strip()


def _copy_package(name: str, lib: Path) -> None:
    module = importlib.import_module(name)
    source = Path(module.__file__ or "")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    if source.name == "__init__.py":
        shutil.copytree(source.parent, lib / name, ignore=ignore, dirs_exist_ok=True)
    else:
        shutil.copy2(source, lib / source.name)


def install(root: Path, rules: RulesSnapshot, now: datetime) -> dict[str, str]:
    """Python, packages, script and rules in the root; returns facts for the report."""
    version = ensure_python(root)
    target = root / CLASSIC_DIR.lstrip("/")
    lib = target / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for name in PACKAGES:
        _copy_package(name, lib)
    for dist in DISTRIBUTIONS:
        files = metadata.distribution(dist).files or []
        info = next((f for f in files if f.parts[0].endswith(".dist-info")), None)
        if info is not None:
            source = Path(str(info.locate())).parents[len(info.parts) - 2]
            shutil.copytree(source, lib / source.name, dirs_exist_ok=True)
    shutil.copy2(SCRIPT, target / "classic_agi.py")
    (target / "classic_agi.py").chmod(0o755)
    with (target / "rules.pickle").open("wb") as out:
        pickle.dump((rules, now), out)
    # Byte-code compiled once, as any real deployment would have it.
    subprocess.run(["chroot", str(root), "/usr/bin/python3", "-m", "compileall", "-q", CLASSIC_DIR], check=False,
                   timeout=300, capture_output=True)
    # One dry import inside the root: a missing package fails here, not as 100 % failed calls.
    probe = subprocess.run(["chroot", str(root), "/usr/bin/python3", "-c",
                            f"import sys; sys.path.insert(0, '{CLASSIC_DIR}/lib'); import asterisk.agi, "
                            f"routing.decide, pickle; pickle.load(open('{CLASSIC_DIR}/rules.pickle', 'rb'))"],
                           capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        raise SetupError(f"classic AGI runtime inside {root} is broken: {probe.stderr[-2000:]}")
    return {"python": version, "dir": CLASSIC_DIR}
