"""`allo serve` raises its soft open-files limit: idle FastAGI connections each hold a descriptor."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

CHILD = """
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
from allo.cli.serve import raise_open_files_limit
print(raise_open_files_limit(), *resource.getrlimit(resource.RLIMIT_NOFILE))
"""


def test_the_soft_limit_is_raised_to_the_hard_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip(f"the hard limit here ({hard}) leaves nothing to raise")
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True).stdout.split()
    returned, soft, child_hard = (int(value) for value in out)
    assert soft == returned > 256
    assert soft == child_hard or child_hard == resource.RLIM_INFINITY
