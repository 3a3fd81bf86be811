"""Unicode digits (superscripts, Arabic-Indic) pass str.isdigit() but not int(): refused with a clear error."""

from __future__ import annotations

import pytest

from acd.callbacks.phone import PhoneRejected, normalise_phone
from allo.records.lookup_params import BadLookup, parse_lookup


@pytest.mark.parametrize("offset", ["³", "١٢", "²⁵"])
def test_non_ascii_digits_in_offset_are_a_clear_error(offset: str) -> None:
    with pytest.raises(BadLookup, match="nombre entier"):
        parse_lookup(None, None, None, None, offset)


def test_superscript_digits_are_not_a_phone_number() -> None:
    with pytest.raises(PhoneRejected):
        normalise_phone("06¹²³⁴⁵⁶⁷⁸")
