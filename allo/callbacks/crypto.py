"""Numbers to call back are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256, authenticated)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from allo.errors import ConfigError


class PhoneCipher:
    """Any generated string works as the key: the Fernet key is derived from it with SHA-256."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ConfigError("ALLO_CALLBACK_KEY is empty: run `allo setup` to generate secrets")
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))

    def __repr__(self) -> str:
        return "<PhoneCipher>"

    def encrypt(self, number: str) -> bytes:
        return self._fernet.encrypt(number.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ConfigError("a stored number cannot be decrypted: was ALLO_CALLBACK_KEY changed?") from exc
