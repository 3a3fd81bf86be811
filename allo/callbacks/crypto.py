"""Numbers to call back are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256, authenticated).

During a key rotation (`allo keys rotate-callback`, docs/privacy.md) the previous keys still decrypt; only the
current key encrypts, and `rotate` re-encrypts a token under it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from allo.errors import ConfigError
from allo.privacy.pseudonyms import key_id, split_keys


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


class PhoneCipher:
    """Any generated string works as the key: the Fernet key is derived from it with SHA-256."""

    def __init__(self, secret: str, previous: str | Sequence[str] = ()) -> None:
        if not secret:
            raise ConfigError("ALLO_CALLBACK_KEY is empty: run `allo setup` to generate secrets")
        older = split_keys(previous) if isinstance(previous, str) else [key for key in previous if key]
        self._secrets = [secret, *(key for key in dict.fromkeys(older) if key != secret)]
        self._fernet = MultiFernet([_fernet(key) for key in self._secrets])
        self._current = _fernet(secret)

    def __repr__(self) -> str:
        return f"<PhoneCipher {self.ids()}>"

    def ids(self) -> list[str]:
        """Fingerprints of the keys, current first."""
        return [key_id(key) for key in self._secrets]

    def encrypt(self, number: str) -> bytes:
        return self._fernet.encrypt(number.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ConfigError("a stored number cannot be decrypted: was ALLO_CALLBACK_KEY changed?") from exc

    def rotate(self, token: bytes) -> bytes:
        """The same number encrypted under the current key (ConfigError if no accepted key reads it)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise ConfigError("a stored number cannot be decrypted by any accepted callback key") from exc

    def current_reads(self, token: bytes) -> bool:
        """True when the current key alone decrypts `token` (nothing left for the previous keys)."""
        try:
            self._current.decrypt(token)
        except InvalidToken:
            return False
        return True
