"""Callers are anonymous: a caller number only ever leaves the AGI handler as a keyed HMAC."""

from __future__ import annotations

import hashlib
import hmac


def normalise_number(number: str) -> str:
    """Digits only, French national form: +33 6 12 and 0033612 both become 0612..."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.strip().startswith("+33") or digits.startswith("0033"):
        digits = "0" + digits[4:] if digits.startswith("0033") else "0" + digits[2:]
    return digits


def pseudonymise(key: bytes, number: str | None) -> str | None:
    """Stable pseudonym for repeat-caller recognition; None for anonymous or withheld numbers."""
    if not number:
        return None
    digits = normalise_number(number)
    if not digits:
        return None
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()
