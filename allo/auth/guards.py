"""Pure checks for the login form: where to go after signing in, and whether a POST comes from our own pages.

The login form has no session yet, hence no CSRF token; it is protected by the Origin (or Referer) check below and
by the session cookie being SameSite=Strict (docs/accounts.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from allo.auth.roles import Role

HOME = {Role.ADMIN: "/dashboard", Role.SUPERVISOR: "/dashboard", Role.OPS: "/ops/rules", Role.AGENT: "/"}
NOT_AFTER_LOGIN = frozenset({"/login", "/logout"})


def safe_next(value: str | None) -> str | None:
    """`value` when it is a path of this site ("/reports?day=…"); None for anything that could leave it
    ("//evil.example", "https://…", "/\\evil", control characters) or that is pointless after a login."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 0x20 or char == "\\" for char in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in NOT_AFTER_LOGIN:
        return None
    return value


def home_of(role: Role) -> str:
    return HOME[role]


def same_site_post(host: str | None, origin: str | None, referer: str | None) -> bool:
    """True when a POST's Origin (else its Referer) names the host it was sent to. Browsers send Origin with every
    form POST; a request with neither header does not come from a browser page, so no other site forged it."""
    if not host:
        return False
    claimed = origin if origin is not None else referer
    if claimed is None:
        return True
    if claimed == "null":
        return False
    parts = urlsplit(claimed)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
