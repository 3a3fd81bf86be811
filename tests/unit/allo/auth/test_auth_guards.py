"""Where the login form may send a user next, and which POSTs count as coming from our own pages."""

from __future__ import annotations

import pytest

from allo.auth.guards import home_of, safe_next, same_site_post
from allo.auth.roles import Role


@pytest.mark.parametrize("value", ["/dashboard", "/reports?day=2026-03-29&queue=l1", "/ops/rules#calendars", "/"])
def test_paths_of_this_site_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize("value", [
    None, "", "dashboard", "//evil.example/x", "/\\evil.example", "https://evil.example/", "http:/x",
    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1", "/a\\b", "/login", "/logout", "/" + "a" * 2001,
])
def test_anything_that_could_leave_the_site_is_dropped(value: str | None) -> None:
    assert safe_next(value) is None


def test_each_role_has_a_home_page() -> None:
    assert {role: home_of(role) for role in Role} == {
        Role.ADMIN: "/dashboard", Role.SUPERVISOR: "/dashboard", Role.OPS: "/ops/rules", Role.AGENT: "/"}


@pytest.mark.parametrize(("origin", "referer", "ok"), [
    ("http://127.0.0.1:8000", None, True),
    ("https://allo.example.fr", None, False),  # another host
    (None, "http://127.0.0.1:8000/login?next=/users", True),
    (None, "https://evil.example/login", False),
    ("null", None, False),  # sandboxed frames, file: pages
    ("http://127.0.0.1:8000", "https://evil.example/", True),  # Origin wins when both are sent
    (None, None, True),  # not a browser page: curl, scripts
    ("ftp://127.0.0.1:8000", None, False),
])
def test_a_login_post_must_come_from_a_page_of_this_host(origin: str | None, referer: str | None, ok: bool) -> None:
    assert same_site_post("127.0.0.1:8000", origin, referer) is ok


def test_host_comparison_ignores_case_and_needs_a_host() -> None:
    assert same_site_post("Allo.Example.FR", "https://allo.example.fr", None)
    assert not same_site_post(None, "https://allo.example.fr", None)
