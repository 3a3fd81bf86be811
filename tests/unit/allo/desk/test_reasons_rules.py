"""The codes and labels of the reasons ops maintain (pure checks)."""

from __future__ import annotations

import pytest

from allo.desk.reasons import ReasonInvalid, check_code, clean_label


@pytest.mark.parametrize("code", ["logement", "a", "suivi-dossier", "x1", "a" * 40])
def test_good_codes(code):
    assert check_code(code) == code


@pytest.mark.parametrize("code", ["", "-x", "Logement", "dé", "a b", "a" * 41, "x\n", "a_b"])
def test_bad_codes_are_refused_in_french(code):
    with pytest.raises(ReasonInvalid, match="minuscules"):
        check_code(code)


def test_labels_are_trimmed_and_bounded():
    assert clean_label("  Aide   à une démarche ") == "Aide à une démarche"
    assert clean_label("x" * 80) == "x" * 80
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(ReasonInvalid, match="libellé"):
            clean_label(bad)
