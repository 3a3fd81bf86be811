"""Defensive, case-insensitive access to AMI header fields, and privacy scrubbing.

Pure functions only: no I/O, never raises on odd input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

# Header names (matched case-insensitively, also with a prefix such as ``Dest``) that carry a
# caller's number or name. Callers of the hotline are anonymous: these never leave this module.
_PRIVATE_SUFFIXES = ("calleridnum", "calleridname", "connectedlinenum", "connectedlinename")

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "t"})


def is_private_key(key: str) -> bool:
    """True for headers that identify the caller (``CallerIDNum``, ``DestConnectedLineName``…)."""
    return key.lower().endswith(_PRIVATE_SUFFIXES)


def scrub(fields: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``fields`` without the headers that identify the caller."""
    return {key: value for key, value in fields.items() if not is_private_key(key)}


def to_int(value: str | None) -> int:
    """Parse an AMI integer; missing, empty or malformed values give 0."""
    if value is None:
        return 0
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return 0
    return int(number) if math.isfinite(number) else 0


def to_float(value: str | None) -> float:
    """Parse an AMI decimal; missing, malformed or non-finite values give 0.0."""
    if value is None:
        return 0.0
    try:
        number = float(str(value).strip())
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def to_bool(value: str | None) -> bool:
    """Parse an AMI boolean the way Asterisk's ``ast_true`` does (``1``, ``yes``, ``true``…)."""
    if value is None:
        return False
    return str(value).strip().lower() in _TRUE_WORDS


class Fields:
    """Case-insensitive read-only view of one AMI frame's headers."""

    __slots__ = ("_lower",)

    def __init__(self, fields: Mapping[str, str]) -> None:
        self._lower = {str(key).lower(): str(value) for key, value in fields.items()}

    def text(self, *names: str) -> str:
        """The first of ``names`` that is present (stripped), or ``""``."""
        for name in names:
            value = self._lower.get(name.lower())
            if value is not None:
                return value.strip()
        return ""

    def has(self, name: str) -> bool:
        return name.lower() in self._lower

    def integer(self, *names: str) -> int:
        return to_int(self.text(*names))

    def decimal(self, *names: str) -> float:
        return to_float(self.text(*names))

    def flag(self, *names: str) -> bool:
        return to_bool(self.text(*names))
