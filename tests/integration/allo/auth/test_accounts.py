"""Accounts against the real service: the /api/users admin API, the web login (cookie flags, next, Origin, rate
limit), logout, the home page per role, and `allo users` on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from allo.auth.roles import Role
from allo.db.admin_models import AuditEntry

pytestmark = pytest.mark.integration


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(service, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{service.base_url}/api/auth/token", data={"username": username, "password": password})


@pytest.fixture
def admin_api(running_service):
    with httpx.Client(base_url=running_service.base_url, timeout=10,
                      headers=running_service.headers(Role.ADMIN)) as client:
        yield client


def web_login(service, username: str, password: str, **extra: str) -> httpx.Response:
    return httpx.post(f"{service.base_url}/login", data={"username": username, "password": password, **extra},
                      headers={"Origin": service.base_url}, follow_redirects=False)


def session_cookie(reply: httpx.Response) -> str:
    # httpx keeps Secure cookies for https only, so the tests carry the cookie by hand.
    return reply.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]


async def audit_entries(settings, target: str) -> list[AuditEntry]:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with AsyncSession(engine) as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.target == target)
                                               .order_by(AuditEntry.id))).all())
    finally:
        await engine.dispose()


async def test_admin_creates_an_account_with_a_generated_password_shown_once(running_service, admin_api,
                                                                            test_settings):
    name = unique("ops")
    created = admin_api.post("/api/users", json={"username": name, "role": "ops", "display_name": "Ops Test"})
    assert created.status_code == 201, created.text
    password = created.json()["password"]
    assert created.json()["user"] == {**created.json()["user"], "username": name, "role": "ops", "enabled": True}
    assert token(running_service, name, password).status_code == 200
    listed = admin_api.get("/api/users").json()
    assert name in [user["username"] for user in listed] and "password" not in str(listed)
    assert "password_hash" not in str(listed)
    again = admin_api.post("/api/users", json={"username": name, "role": "agent"})
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    weak = admin_api.post("/api/users", json={"username": unique("weak"), "role": "agent", "password": "short"})
    assert weak.status_code == 422 and "16 characters" in weak.json()["detail"]
    fifteen = admin_api.post("/api/users", json={"username": unique("weak"), "role": "agent",
                                                 "password": "fifteen-chars-x"})
    assert fifteen.status_code == 422  # agents' web passwords: the 16-character floor of SIP passwords
    bad = admin_api.post("/api/users", json={"username": "Not Valid!", "role": "agent"})
    assert bad.status_code == 422
    given = admin_api.post("/api/users", json={"username": unique("sup"), "role": "supervisor",
                                               "password": "a-long-enough-passphrase"})
    assert given.status_code == 201 and given.json()["password"] is None  # never echoed
    entries = await audit_entries(test_settings, name)
    assert [(e.action, e.actor, e.detail["role"]) for e in entries] == [("user.create", "admin", "ops")]


async def test_reset_and_disable_revoke_every_session_and_are_audited(running_service, admin_api, test_settings):
    name = unique("sup")
    password = admin_api.post("/api/users", json={"username": name, "role": "supervisor"}).json()["password"]
    first = token(running_service, name, password).json()["access_token"]
    cookie = session_cookie(web_login(running_service, name, password))
    me = f"{running_service.base_url}/api/auth/me"
    assert httpx.get(me, headers=bearer(first)).status_code == 200
    assert httpx.get(me, cookies={"allo_session": cookie}).status_code == 200

    reset = admin_api.patch(f"/api/users/{name}", json={"reset_password": True})
    assert reset.status_code == 200, reset.text
    new_password = reset.json()["password"]
    assert new_password and new_password != password
    assert httpx.get(me, headers=bearer(first)).status_code == 401
    assert httpx.get(me, cookies={"allo_session": cookie}).status_code == 401
    assert token(running_service, name, password).status_code == 401
    second = token(running_service, name, new_password).json()["access_token"]

    disabled = admin_api.patch(f"/api/users/{name}", json={"enabled": False, "extension": "sup-phone"})
    assert disabled.json()["user"]["enabled"] is False and disabled.json()["password"] is None
    assert disabled.json()["user"]["extension"] == "sup-phone"
    assert httpx.get(me, headers=bearer(second)).status_code == 401
    assert token(running_service, name, new_password).status_code == 401
    admin_api.patch(f"/api/users/{name}", json={"enabled": True, "role": "ops", "extension": None})
    back = token(running_service, name, new_password)
    assert back.status_code == 200 and back.json()["role"] == "ops"
    assert admin_api.patch("/api/users/nobody-here", json={"enabled": False}).status_code == 404

    actions = [(e.action, sorted(e.detail)) for e in await audit_entries(test_settings, name)]
    assert actions == [("user.create", ["extension", "role"]),
                       ("user.change", ["password_reset", "sessions"]),
                       ("user.change", ["enabled", "extension", "sessions"]),
                       ("user.change", ["enabled", "extension", "role"])]


def test_an_admin_cannot_lock_the_service_out(running_service, admin_api):
    own = admin_api.patch("/api/users/admin", json={"enabled": False})
    assert own.status_code == 409 and "your own account" in own.json()["detail"]
    assert admin_api.patch("/api/users/admin", json={"role": "ops"}).status_code == 409
    assert admin_api.get("/api/auth/me").json()["role"] == "admin"


def test_web_login_sets_a_strict_http_only_secure_cookie_and_goes_home(running_service):
    username, password = running_service.credentials(Role.OPS)
    reply = web_login(running_service, username, password)
    assert reply.status_code == 303 and reply.headers["location"] == "/ops/rules"
    flags = {part.strip().split("=")[0].lower() for part in reply.headers["set-cookie"].split(";")}
    assert {"httponly", "secure", "path", "expires"} <= flags
    assert "samesite=strict" in reply.headers["set-cookie"].lower()
    assert "path=/" in reply.headers["set-cookie"].lower()
    supervisor = web_login(running_service, *running_service.credentials(Role.SUPERVISOR), next="/reports?day=1")
    assert supervisor.headers["location"] == "/reports?day=1"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        kept_home = web_login(running_service, *running_service.credentials(Role.SUPERVISOR), next=evil)
        assert kept_home.headers["location"] == "/dashboard", evil


def test_login_form_is_french_and_says_why_it_refuses(running_service):
    form = httpx.get(f"{running_service.base_url}/login?next=/users")
    assert form.status_code == 200
    assert "Identifiant" in form.text and "Mot de passe" in form.text and 'value="/users"' in form.text
    assert 'value="//evil"' not in httpx.get(f"{running_service.base_url}/login?next=//evil").text
    wrong = web_login(running_service, "ops", "not-the-password")
    assert wrong.status_code == 401 and "Identifiant ou mot de passe incorrect." in wrong.text
    empty = web_login(running_service, "", "")
    assert empty.status_code == 400 and "Saisissez" in empty.text
    username, password = running_service.credentials(Role.OPS)
    forged = httpx.post(f"{running_service.base_url}/login", data={"username": username, "password": password},
                        headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403 and "set-cookie" not in forged.headers


def test_web_logins_are_rate_limited_with_a_readable_message(running_service, admin_api):
    name = unique("agent")
    password = admin_api.post("/api/users", json={"username": name, "role": "agent"}).json()["password"]
    codes = [web_login(running_service, name, f"wrong-{i}").status_code for i in range(5)]
    assert codes == [401] * 5
    limited = web_login(running_service, name, password)
    assert limited.status_code == 429 and "Trop de tentatives" in limited.text
    running_service.stop()  # the limiter lives in the process: clear it for the next tests
    running_service.start()


def test_home_sends_each_role_to_its_page_and_logout_ends_the_session(running_service):
    homes = {}
    for role in Role:
        cookie = session_cookie(web_login(running_service, *running_service.credentials(role)))
        homes[role] = httpx.get(f"{running_service.base_url}/", cookies={"allo_session": cookie})
    assert homes[Role.AGENT].status_code == 200 and "superviseurs" in homes[Role.AGENT].text
    assert [homes[r].status_code for r in (Role.ADMIN, Role.OPS, Role.SUPERVISOR)] == [303] * 3
    assert {r: homes[r].headers["location"] for r in (Role.ADMIN, Role.OPS, Role.SUPERVISOR)} == {
        Role.ADMIN: "/dashboard", Role.OPS: "/ops/rules", Role.SUPERVISOR: "/dashboard"}

    cookie = session_cookie(web_login(running_service, *running_service.credentials(Role.AGENT)))
    cookies = {"allo_session": cookie}
    page = httpx.get(f"{running_service.base_url}/", cookies=cookies).text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    assert csrf
    no_token = httpx.post(f"{running_service.base_url}/logout", cookies=cookies, follow_redirects=False)
    assert no_token.status_code == 403
    out = httpx.post(f"{running_service.base_url}/logout", cookies=cookies, data={"csrf_token": csrf},
                     follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert 'allo_session=""' in out.headers["set-cookie"] and "max-age=0" in out.headers["set-cookie"].lower()
    after = httpx.get(f"{running_service.base_url}/", cookies=cookies, follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login?next=/"


def test_an_agent_acts_on_its_own_state_only(running_service, admin_api):
    name = unique("agent")
    password = admin_api.post("/api/users", json={"username": name, "role": "agent",
                                                  "extension": "zz-ghost"}).json()["password"]
    headers = bearer(token(running_service, name, password).json()["access_token"])
    base = running_service.base_url
    own = httpx.post(f"{base}/api/agents/zz-ghost/pause", json={"reason": "pause"}, headers=headers)
    assert own.status_code == 404  # allowed; there is simply no such agent in Asterisk's configuration
    other = httpx.post(f"{base}/api/agents/zz-other/pause", json={"reason": "pause"}, headers=headers)
    assert other.status_code == 403 and "its own state" in other.json()["detail"]


def test_users_page_creates_disables_and_resets(running_service):
    cookie = session_cookie(web_login(running_service, *running_service.credentials(Role.ADMIN)))
    with httpx.Client(base_url=running_service.base_url, cookies={"allo_session": cookie}, timeout=10,
                      follow_redirects=False) as web:
        page = web.get("/users")
        assert page.status_code == 200 and "superviseur" in page.text
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        name = unique("web")
        created = web.post("/users", data={"csrf_token": csrf, "username": name, "role": "supervisor"})
        assert created.status_code == 201 and "affiché cette seule" in created.text
        password = created.text.split("<code>", 1)[1].split("</code>", 1)[0]
        assert token(running_service, name, password).status_code == 200
        taken = web.post("/users", data={"csrf_token": csrf, "username": name, "role": "ops"})
        assert taken.status_code == 409 and "existe déjà" in taken.text
        disabled = web.post(f"/users/{name}", data={"csrf_token": csrf, "action": "disable"})
        assert disabled.status_code == 200 and "désactivé" in disabled.text
        assert token(running_service, name, password).status_code == 401
        reset = web.post(f"/users/{name}", data={"csrf_token": csrf, "action": "reset"})
        assert "<code>" in reset.text
        assert web.post(f"/users/{name}", data={"action": "enable"}).status_code == 403  # no CSRF token


def run_cli(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLO_STATE_DIR": str(settings.state_dir), "ALLO_PG_PORT": str(settings.pg_port)}
    return subprocess.run([sys.executable, "-m", "allo.cli.main", "users", *args], env=env, capture_output=True,
                          text=True, input=stdin, timeout=60, check=False)


def test_cli_creates_admins_and_lists_accounts(running_service, test_settings, tmp_path: Path):
    name = unique("admin")
    created = run_cli(test_settings, "create-admin", "--username", name)
    assert created.returncode == 0, created.stderr
    password = created.stdout.split("password (shown once): ", 1)[1].strip()
    assert token(running_service, name, password).json()["role"] == "admin"
    again = run_cli(test_settings, "create-admin", "--username", name)
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = tmp_path / "weak"
    weak.write_text("short\n")
    refused = run_cli(test_settings, "create", "--username", unique("ops"), "--role", "ops",
                      "--password-file", str(weak))
    assert refused.returncode == 1 and "password refused" in refused.stderr
    chosen = run_cli(test_settings, "create", "--username", (ops := unique("ops")), "--role", "ops",
                     "--password-file", "-", stdin="correct horse battery staple\n")
    assert chosen.returncode == 0 and "shown once" not in chosen.stdout
    assert token(running_service, ops, "correct horse battery staple").status_code == 200
    listed = run_cli(test_settings, "list")
    assert listed.returncode == 0 and name in listed.stdout and ops in listed.stdout
    assert "superviseur" in listed.stdout and "never" in listed.stdout
