"""The barometer page's French formatting of values and changes (pure)."""

from __future__ import annotations

from allo.web.reports_barometer import shown, shown_change


def test_values_by_unit():
    assert shown(None, "%") == "\u2013"
    assert (shown(49.5, "%"), shown(58.6, "s"), shown(2.94, "sur 5"), shown(110, "appels")) == (
        "49.5 %", "58.6 s", "2.94 / 5", "110")


def test_changes_have_a_sign_and_points_for_a_rate():
    assert shown_change(11.2, "%") == "+11.2 pt"
    assert shown_change(-9.8, "s") == "\u22129.8 s"
    assert shown_change(-0.03, "sur 5") == "\u22120.03"
    assert shown_change(0, "appels") == "±0"
    assert shown_change(8, "appels") == "+8"
    assert shown_change(None, "%") == "\u2013"
