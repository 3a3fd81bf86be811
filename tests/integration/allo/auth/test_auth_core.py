"""Accounts against the real service: demo users, bearer tokens, cookie sessions, CSRF, 401/403/429."""

from __future__ import annotations

import httpx
import pytest

from allo.auth.roles import Role

pytestmark = pytest.mark.integration


def token_for(service, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{service.base_url}/api/auth/token", data={"username": username, "password": password})


def test_every_role_has_a_demo_account_that_gets_a_token(running_service,
                                                          demo_users: dict[str, tuple[Role, str]]) -> None:
    assert {role for role, _password in demo_users.values()} == set(Role)
    for username, (role, password) in demo_users.items():
        reply = token_for(running_service, username, password)
        assert reply.status_code == 200, reply.text
        token = reply.json()["access_token"]
        me = httpx.get(f"{running_service.base_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        extension = "sup2001" if role is Role.SUPERVISOR else None  # the demo supervisor's softphone
        assert me.json() == {"username": username, "role": role.value, "method": "bearer", "extension": extension}


def test_wrong_password_and_unknown_user_are_refused_alike(running_service,
                                                           demo_users: dict[str, tuple[Role, str]]) -> None:
    wrong = token_for(running_service, "ops", "not-the-password")
    unknown = token_for(running_service, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "unknown user or wrong password"}


def test_no_token_is_401_and_a_bad_token_too(running_service) -> None:
    assert httpx.get(f"{running_service.base_url}/api/auth/me").status_code == 401
    bad = httpx.get(f"{running_service.base_url}/api/auth/me", headers={"Authorization": "Bearer made-up"})
    assert bad.status_code == 401


def test_a_revoked_token_no_longer_works(running_service) -> None:
    username, password = running_service.credentials(Role.SUPERVISOR)
    token = token_for(running_service, username, password).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.delete(f"{running_service.base_url}/api/auth/token", headers=headers).status_code == 204
    assert httpx.get(f"{running_service.base_url}/api/auth/me", headers=headers).status_code == 401


def test_failed_logins_are_rate_limited_per_user_and_address(running_service) -> None:
    username, password = running_service.credentials(Role.AGENT)
    codes = [token_for(running_service, username, f"wrong-{i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    limited = token_for(running_service, username, password)  # even the right password waits
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    running_service.stop()  # the limiter is per process: a restart clears it for the next tests
    running_service.start()
