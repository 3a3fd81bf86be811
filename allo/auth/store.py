"""Sessions and bearer tokens in PostgreSQL: only a token's sha256 is stored, so a database dump lets nobody in."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from allo.auth.passwords import hash_password, needs_rehash, verify_password
from allo.auth.roles import AuthMethod, Principal, Role
from allo.db.admin_models import AuthSession, User


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class Login:
    token: str  # shown once: the cookie value or the bearer token
    principal: Principal
    expires_at: datetime


class AuthStore:
    """Implements allo.auth.deps.Authenticator."""

    def __init__(self, engine: AsyncEngine, *, session_hours: float = 12.0, token_hours: float = 24.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._lifetimes = {AuthMethod.COOKIE: timedelta(hours=session_hours),
                           AuthMethod.BEARER: timedelta(hours=token_hours)}
        self._clock = clock

    async def login(self, username: str, password: str, method: AuthMethod) -> Login | None:
        """A new session or token for valid credentials of an enabled user; None otherwise (same cost)."""
        async with self._sessions() as session:
            user = await session.scalar(select(User).where(User.username == username))
            # argon2id costs ~0.1 s of CPU: off the event loop, or every sign-in stalls calls and pushes.
            valid = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
            if not valid or user is None:
                return None
            if not user.enabled:
                return None
            now = self._clock()
            if needs_rehash(user.password_hash):
                user.password_hash = await asyncio.to_thread(hash_password, password, check=False)
            user.last_login_at = now
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(24) if method is AuthMethod.COOKIE else None
            expires = now + self._lifetimes[method]
            session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, kind=method.value,
                                    csrf_token=csrf, created_at=now, expires_at=expires))
            await session.commit()
            return Login(token, self._principal(user, method, csrf), expires)

    async def from_bearer(self, token: str) -> Principal | None:
        return await self._lookup(token, AuthMethod.BEARER)

    async def from_cookie(self, token: str) -> Principal | None:
        return await self._lookup(token, AuthMethod.COOKIE)

    async def _lookup(self, token: str, method: AuthMethod) -> Principal | None:
        if len(token) > 200:
            return None
        async with self._sessions() as session:
            row = (await session.execute(
                select(AuthSession, User).join(User, User.id == AuthSession.user_id).where(
                    AuthSession.token_hash == token_hash(token), AuthSession.kind == method.value,
                    AuthSession.revoked_at.is_(None), AuthSession.expires_at > self._clock(),
                    User.enabled))).first()
        if row is None:
            return None
        auth, user = row
        return self._principal(user, method, auth.csrf_token)

    async def revoke(self, token: str) -> bool:
        async with self._sessions() as session:
            result = await session.execute(
                update(AuthSession).where(AuthSession.token_hash == token_hash(token),
                                          AuthSession.revoked_at.is_(None)).values(revoked_at=self._clock()))
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

    async def revoke_user(self, user_id: int) -> None:
        """Every session and token of a user (disabled, password changed)."""
        async with self._sessions() as session:
            await session.execute(update(AuthSession).where(AuthSession.user_id == user_id,
                                                            AuthSession.revoked_at.is_(None))
                                  .values(revoked_at=self._clock()))
            await session.commit()

    @staticmethod
    def _principal(user: User, method: AuthMethod, csrf: str | None) -> Principal:
        return Principal(user.id, user.username, Role(user.role), method, csrf, user.extension)
