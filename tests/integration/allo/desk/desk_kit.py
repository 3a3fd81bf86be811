"""An adviser account bound to a demo agent's phone (users.extension), for the desk's tests: the demo
`conseiller` has no extension, and the desk acts only on the account's own agent."""

from __future__ import annotations

import httpx

from allo.auth.roles import Role

PASSWORD = "Conseil-Wrapup-2026!"


def adviser_headers(service, username: str, extension: str) -> dict[str, str]:
    """`Authorization` of an agent account `username` whose phone is `extension` (created once per database)."""
    admin = service.headers(Role.ADMIN)
    made = httpx.post(f"{service.base_url}/api/users", headers=admin, timeout=10,
                      json={"username": username, "role": "agent", "display_name": f"Conseiller {extension}",
                            "extension": extension, "password": PASSWORD})
    assert made.status_code in (201, 409), made.text
    token = httpx.post(f"{service.base_url}/api/auth/token", data={"username": username, "password": PASSWORD},
                       timeout=10)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
