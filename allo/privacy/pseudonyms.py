"""Callers are anonymous: a caller number only ever leaves the AGI handler as a keyed HMAC.

The key rotates (docs/privacy.md): new pseudonyms are made with the current key, and lookups (repeat caller, a
callback already planned for this number) also try the previous keys still accepted, so recognition survives a
rotation until the previous key is dropped.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from allo.errors import ConfigError


def normalise_number(number: str) -> str:
    """Digits only, French national form: +33 6 12 and 0033612 both become 0612..."""
    digits = "".join(ch for ch in number if ch in "0123456789")
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


def key_id(secret: str) -> str:
    """A short fingerprint of a secret, safe to print and log: it names a key without revealing it."""
    return hmac.new(secret.encode(), b"allo key id", hashlib.sha256).hexdigest()[:8]


def split_keys(listed: str) -> list[str]:
    """`a,b,c` (newest first) as a list; blanks ignored. Generated keys are URL-safe base64: never a comma."""
    return [part.strip() for part in listed.split(",") if part.strip()]


def check_key(secret: str) -> str:
    if not secret or any(ch in secret for ch in ", \t\r\n=\"'#"):
        raise ConfigError("a key must be non-empty, without commas, spaces, quotes, '=' or '#'")
    return secret


@dataclass(frozen=True)
class PseudonymKeys:
    """The current key and the previous keys still accepted for lookups (newest first)."""

    current: str
    previous: tuple[str, ...] = ()

    @classmethod
    def of(cls, current: str, previous: str | Sequence[str] = ()) -> PseudonymKeys:
        older = split_keys(previous) if isinstance(previous, str) else list(previous)
        return cls(current, tuple(key for key in dict.fromkeys(older) if key != current))

    def __repr__(self) -> str:
        return f"<PseudonymKeys {self.ids()}>"

    def ids(self) -> list[str]:
        return [key_id(key) for key in (self.current, *self.previous)]

    def pseudonym(self, number: str | None) -> str | None:
        """What is stored: the pseudonym under the current key."""
        return pseudonymise(self.current.encode(), number)

    def older_pseudonyms(self, number: str | None) -> list[str]:
        """The same number's pseudonyms under each previous key, to find rows written before a rotation."""
        found = (pseudonymise(key.encode(), number) for key in self.previous)
        return [value for value in found if value is not None]
