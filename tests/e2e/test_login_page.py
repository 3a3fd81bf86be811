"""Signing in with chromium: a protected page sends to /login, a wrong password says so, the right one lands on the
page asked for (or the role's home), the session cookie is HttpOnly + Secure + SameSite=Strict and kept on
http://127.0.0.1, logout ends it. Screenshots in tests/artifacts/login-*.png."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from allo.auth.roles import Role
from tests.browser_kit import login, shot

pytestmark = pytest.mark.e2e


async def test_wrong_password_then_right_one_then_logout(running_service, page: Page):
    base = running_service.base_url
    await page.goto(f"{base}/users")
    assert page.url == f"{base}/login?next=/users"
    await expect(page.get_by_label("Identifiant")).to_be_visible()
    await shot(page, "login-form")

    username, password = running_service.credentials(Role.ADMIN)
    await page.get_by_label("Identifiant").fill(username)
    await page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
    await shot(page, "login-wrong-password")

    await page.get_by_label("Mot de passe").fill(password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Se connecter").click()
    assert page.url == f"{base}/users"  # the page first asked for
    await expect(page.locator("#accounts")).to_contain_text("superviseur")
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == "allo_session"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    await shot(page, "login-users-page")

    async with page.expect_navigation():
        await page.get_by_role("button", name="Se déconnecter").click()
    assert page.url == f"{base}/login"
    assert not [c for c in await page.context.cookies() if c["name"] == "allo_session"]
    await page.goto(f"{base}/users")
    assert page.url.startswith(f"{base}/login?next=")
    await shot(page, "login-after-logout")


@pytest.mark.parametrize(("role", "home", "text"), [
    (Role.OPS, "/ops/rules", None),
    (Role.SUPERVISOR, "/dashboard", None),
    (Role.AGENT, "/", "Ouvrir mon poste de conseiller"),
])
async def test_each_role_lands_on_its_page(running_service, page: Page, role: Role, home: str, text: str | None):
    await login(page, running_service, role)
    assert page.url == f"{running_service.base_url}{home}"
    if text:
        await expect(page.locator("main")).to_contain_text(text)
    await expect(page.locator(".who")).to_contain_text(f"({role.value})")
    await shot(page, f"login-home-{role.value}")
    # A page of another role is refused, not shown.
    refused = await page.goto(f"{running_service.base_url}/users")
    assert refused is not None and refused.status == 403
    await expect(page.get_by_role("alert")).to_contain_text("Cette page est réservée aux rôles : admin.")


async def test_admin_creates_an_account_and_sees_its_password_once(running_service, page: Page):
    await login(page, running_service, Role.ADMIN, "/users")
    name = f"m.navigateur{uuid.uuid4().hex[:6]}"
    form = page.locator("#create-user")
    await form.get_by_label("Identifiant").fill(name)
    await form.get_by_label("Nom").fill("Marie Navigateur")
    await form.get_by_label("Rôle").select_option("supervisor")
    async with page.expect_navigation():
        await form.get_by_role("button", name="Créer").click()
    await expect(page.locator("#notice")).to_have_text(f"Compte {name} créé.")
    password = await page.locator("#new-password code").inner_text()
    await shot(page, "login-account-created")
    reply = httpx.post(f"{running_service.base_url}/api/auth/token", data={"username": name, "password": password})
    assert reply.status_code == 200 and reply.json()["role"] == "supervisor"
    await page.goto(f"{running_service.base_url}/users")  # shown once: a new visit does not show it again
    await expect(page.locator("#new-password")).to_have_count(0)
