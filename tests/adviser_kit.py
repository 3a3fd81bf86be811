"""Adviser accounts bound to an agent (the account's extension), for tests of the desk and of call privacy: an
adviser reads only the calls answered on their own phone, so each test signs in as the agent who answered."""

from __future__ import annotations

from typing import Any

import httpx

from allo.auth.roles import Role

PASSWORD = "desk-test-password-1"


def adviser_name(extension: str) -> str:
    return f"desk-{extension}"


def adviser_headers(service: Any, extension: str) -> dict[str, str]:
    """`Authorization` of the agent-role account `desk-<extension>` (created on first use, kept for the session)."""
    base = service.base_url
    username = adviser_name(extension)
    created = httpx.post(f"{base}/api/users", headers=service.headers(Role.ADMIN), timeout=10,
                         json={"username": username, "role": "agent", "extension": extension,
                               "display_name": f"Conseiller {extension}", "password": PASSWORD})
    assert created.status_code in (201, 409), created.text
    token = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": PASSWORD}, timeout=10)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
