"""The `doc` fixture: a rules document like the seeded one (tests/unit/allo/rules/rules_sample.py)."""

from __future__ import annotations

import pytest

from allo.rules.document import RulesDocument
from tests.unit.allo.rules.rules_sample import seed_document


@pytest.fixture
def doc() -> RulesDocument:
    return seed_document()
