"""Is a secret weak? For plain secrets (AMI, SIP `password`) and for SIP digests (only MD5 of the password is
stored, so a digest can only be compared with the digests of guessable passwords)."""

from __future__ import annotations

import hashlib
import re

MIN_SECRET_LENGTH = 16
MIN_DISTINCT_CHARS = 8

# Defaults of tutorials, vendors and our own early templates; compared case-insensitively.
KNOWN_DEFAULTS = frozenset({
    "allo", "allo3939", "3939", "secret", "secret123", "password", "password123", "passw0rd", "changeme",
    "change-me", "admin", "admin123", "asterisk", "amp111", "amp109", "manager", "mysecret", "test", "test123",
    "1234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890", "0000", "00000000", "1111",
    "motdepasse", "azerty", "azertyuiop", "qwerty", "qwertyuiop", "letmein", "welcome", "default", "pass", "sip",
})
CLASSES = (("digits", re.compile(r"\d")), ("lower-case letters", re.compile(r"[a-z]")),
           ("upper-case letters", re.compile(r"[A-Z]")), ("symbols", re.compile(r"[^a-zA-Z0-9]")))


def weak_secret(secret: str, username: str = "") -> str | None:
    """Why `secret` is weak, or None. Generated secrets (token_urlsafe) pass; anything typed by hand rarely does."""
    if not secret:
        return "is empty"
    if secret.lower() in KNOWN_DEFAULTS:
        return "is a well-known default"
    if username and username.lower() in secret.lower() and len(secret) - len(username) < MIN_SECRET_LENGTH:
        return "is the user name with a few characters around it"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"has {len(secret)} characters, fewer than {MIN_SECRET_LENGTH}"
    used = [label for label, pattern in CLASSES if pattern.search(secret)]
    if len(used) == 1:
        return f"uses only {used[0]}"
    if len(set(secret)) < MIN_DISTINCT_CHARS:
        return f"repeats {len(set(secret))} distinct characters"
    return None


def guesses(username: str) -> list[str]:
    """Passwords an attacker tries first against `username`."""
    digits = "".join(c for c in username if c in "0123456789")
    derived = [username, username.upper(), username.capitalize(), username[::-1], username * 2, f"{username}123",
               f"{username}1234", f"{username}!", digits, digits * 2, f"{digits}{digits}"]
    return [g for g in dict.fromkeys([*derived, *sorted(KNOWN_DEFAULTS)]) if g]


def md5_digest(username: str, realm: str, password: str) -> str:
    # The HA1 of SIP digest authentication (RFC 2617): what PJSIP's password_digest holds.
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


def weak_digest(username: str, realm: str, digest: str) -> str | None:
    """Which guessable password `digest` is the HA1 of, described without printing it, or None."""
    wanted = digest.lower().removeprefix("md5:")
    for guess in guesses(username):
        if md5_digest(username, realm, guess) == wanted:
            if guess.lower() in KNOWN_DEFAULTS:
                return "is a well-known default password"
            return "is derived from the user name"
    return None
