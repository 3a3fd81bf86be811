"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's second recommended profile)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong username costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_LENGTH = 16  # the floor of SIP passwords too (docs/security.md)


class WeakPassword(ValueError):
    pass


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > 256:
        raise WeakPassword("the password is longer than 256 characters")


def hash_password(password: str, *, check: bool = True) -> str:
    """check=False only to rehash a password already accepted (it may predate a higher MIN_LENGTH)."""
    if check:
        check_strength(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def new_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters
