"""The AMI permission table of `allo doctor` matches what the code sends and what manager.conf grants."""

import re
from pathlib import Path

from allo.doctor.ami_perms import ACTIONS, READ, write_classes
from allo.doctor.conf import objects, parse

ROOT = Path(__file__).resolve().parents[4]
SENT = re.compile(r"""(?:build_action|\.action|\.list_action)\(\s*["']([A-Za-z]+)["']""")


def actions_in_code() -> set[str]:
    found = set()
    for package in ("allo", "acd", "agi", "ivr", "routing"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(SENT.findall(path.read_text()))
    return found


def test_every_action_the_code_sends_is_in_the_table_and_nothing_else():
    sent = actions_in_code()
    assert len(sent) >= 15  # the scan itself works
    assert sent == {a.name for a in ACTIONS}


def test_each_action_relies_on_a_class_that_grants_it():
    for action in ACTIONS:
        if action.privilege:
            assert action.relies_on in action.privilege, action.name
        else:
            assert action.relies_on is None, action.name


def test_the_template_grants_exactly_the_classes_of_the_table():
    sections = parse("manager.conf", lambda name: (ROOT / "asterisk-conf" / name).read_text())
    (user,) = [s for s in objects(sections) if s.name != "general"]
    assert set(user.get("read").split(",")) == set(READ)
    assert set(user.get("write").split(",")) == set(write_classes())
    assert set(write_classes()) == {"call", "agent", "originate", "system"}
