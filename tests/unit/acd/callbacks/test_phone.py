"""French numbers to call back: normalised or refused with a reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.callbacks.phone import PhoneRefusal, PhoneRejected, normalise_phone


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78",
                                   "+33 6 12 34 56 78", "+33612345678", "+33 (0)6 12 34 56 78", "0033612345678",
                                   "00 33 6 12 34 56 78", " 06 12 34 56 78 "])
def test_the_ways_of_writing_a_mobile_number_give_the_national_form(typed):
    assert normalise_phone(typed) == "0612345678"


@pytest.mark.parametrize("typed", ["01 40 00 00 00", "07 11 22 33 44", "09 70 12 34 56", "0800 123 456",
                                   "0590 12 34 56", "0262 12 34 56"])
def test_ordinary_french_lines_are_accepted(typed):
    assert normalise_phone(typed) == typed.replace(" ", "")


@pytest.mark.parametrize(("typed", "reason"), [
    ("", PhoneRefusal.EMPTY),
    ("   ", PhoneRefusal.EMPTY),
    ("06 12 AB 56 78", PhoneRefusal.NOT_A_NUMBER),
    ("+33 6 12 x", PhoneRefusal.NOT_A_NUMBER),
    ("3939", PhoneRefusal.SHORT_NUMBER),
    ("112", PhoneRefusal.SHORT_NUMBER),
    ("0612", PhoneRefusal.WRONG_LENGTH),
    ("06 12 34 56 78 9", PhoneRefusal.WRONG_LENGTH),
    ("+44 20 7946 0958", PhoneRefusal.FOREIGN),
    ("0044 20 7946 0958", PhoneRefusal.FOREIGN),
    ("0892 68 01 01", PhoneRefusal.PREMIUM),
    ("0825 00 00 00", PhoneRefusal.PREMIUM),
    ("0812 34 56 78", PhoneRefusal.PREMIUM),
    ("1234567890", PhoneRefusal.NOT_ASSIGNED),
    ("0 0 1 2 3 4 5 6 7 8", PhoneRefusal.FOREIGN),
    ("0" * 50, PhoneRefusal.NOT_A_NUMBER),
])
def test_numbers_the_service_must_not_dial_are_refused_with_a_reason(typed, reason):
    with pytest.raises(PhoneRejected) as refused:
        normalise_phone(typed)
    assert refused.value.reason is reason
    assert str(refused.value)


@given(st.text(max_size=30))
def test_anything_typed_is_either_a_national_number_or_a_reasoned_refusal(typed):
    try:
        number = normalise_phone(typed)
    except PhoneRejected as refused:
        assert refused.reason in PhoneRefusal
    else:
        assert len(number) == 10 and number.isdigit() and number[0] == "0" and number[1] != "0"
        assert not number.startswith(("081", "082", "083", "084", "085", "086", "087", "088", "089"))
