"""Adviser accounts with their own phone (extension), made through the accounts API, for the desk's tests."""

from __future__ import annotations

import uuid

import httpx

from allo.auth.roles import Role


def adviser_headers(service, extension: str, role: Role = Role.AGENT) -> dict[str, str]:
    """A new account of `role` whose extension is `extension` (e.g. agent1001), signed in: its bearer header.

    `service`: allo.setup.service_process.ServiceProcess."""
    username = f"desk-{extension}-{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    made = httpx.post(f"{service.base_url}/api/users", headers=service.headers(Role.ADMIN), timeout=10,
                      json={"username": username, "role": role.value, "extension": extension, "password": password})
    assert made.status_code == 201, made.text
    token = httpx.post(f"{service.base_url}/api/auth/token", data={"username": username, "password": password},
                       timeout=10)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
