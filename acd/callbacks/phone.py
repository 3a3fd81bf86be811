"""French numbers to call back: normalised to the 10-digit national form, or refused with a reason (pure).

The hotline only calls back ordinary French lines at the public's expense: geographic (01-05, including the
overseas departments), mobile (06, 07), non-geographic (09) and free 080x numbers. Premium and shared-cost
numbers (081-089), short numbers (3939, 15, 112…) and foreign numbers are refused.
"""

from __future__ import annotations

import enum
import re

from acd.errors import AcdError

_SEPARATORS = re.compile(r"[\s.\-/()]")
_NATIONAL_LENGTH = 10


class PhoneRefusal(enum.StrEnum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    SHORT_NUMBER = "short_number"
    WRONG_LENGTH = "wrong_length"
    FOREIGN = "foreign"
    PREMIUM = "premium"
    NOT_ASSIGNED = "not_assigned"


_MESSAGES = {
    PhoneRefusal.EMPTY: "no number given",
    PhoneRefusal.NOT_A_NUMBER: "a phone number has only digits, spaces, dots, dashes and a leading +",
    PhoneRefusal.SHORT_NUMBER: "short numbers cannot be called back",
    PhoneRefusal.WRONG_LENGTH: "a French number has 10 digits (06 12 34 56 78)",
    PhoneRefusal.FOREIGN: "only French numbers can be called back",
    PhoneRefusal.PREMIUM: "premium-rate and shared-cost numbers (08…) cannot be called back",
    PhoneRefusal.NOT_ASSIGNED: "this is not a French subscriber number",
}


class PhoneRejected(AcdError):
    def __init__(self, reason: PhoneRefusal) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason = reason


def _national_digits(text: str) -> str:
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("+"):
        rest = compact[1:]
        if not (rest.isascii() and rest.isdigit()):
            raise PhoneRejected(PhoneRefusal.NOT_A_NUMBER)
        if not rest.startswith("33"):
            raise PhoneRejected(PhoneRefusal.FOREIGN)
        # "+33 (0)6 12…": the trunk prefix sometimes written after the country code.
        return "0" + rest[2:].removeprefix("0")
    if not (compact.isascii() and compact.isdigit()):
        raise PhoneRejected(PhoneRefusal.NOT_A_NUMBER)
    if compact.startswith("0033"):
        return "0" + compact[4:].removeprefix("0")
    if compact.startswith("00"):
        raise PhoneRejected(PhoneRefusal.FOREIGN)
    return compact


def normalise_phone(text: str) -> str:
    """"06 12 34 56 78", "+33 6 12…", "0033 6…", "06.12.34.56.78" → "0612345678"; else PhoneRejected."""
    if not text or not text.strip():
        raise PhoneRejected(PhoneRefusal.EMPTY)
    if len(text) > 40:
        raise PhoneRejected(PhoneRefusal.NOT_A_NUMBER)
    digits = _national_digits(text)
    if not digits.startswith("0") and len(digits) <= 6:
        raise PhoneRejected(PhoneRefusal.SHORT_NUMBER)
    if len(digits) != _NATIONAL_LENGTH:
        raise PhoneRejected(PhoneRefusal.WRONG_LENGTH)
    if not digits.startswith("0") or digits[1] == "0":
        raise PhoneRejected(PhoneRefusal.NOT_ASSIGNED)
    if digits[1] == "8" and digits[2] != "0":
        raise PhoneRejected(PhoneRefusal.PREMIUM)
    return digits
