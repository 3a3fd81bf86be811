"""Around Asterisk: the HTTP API's address and the modes of the files that hold secrets."""

from __future__ import annotations

from allo.doctor.ami_rules import is_loopback
from allo.doctor.findings import Finding, Rule, error, warning

# Files of the state directory and of the rendered Asterisk configuration that hold secrets.
STATE_SECRET_FILES = ("secrets.env", "demo-agents.txt", "demo-users.txt", "access-codes.txt")
CONF_SECRET_FILES = ("manager.conf", "pjsip_agents.conf")


def check_http(http_host: str, cookie_secure: bool) -> list[Finding]:
    if is_loopback(http_host):
        return []
    cookie = "" if cookie_secure else "; ALLO_COOKIE_SECURE=false also sends the session cookie in clear"
    return [warning(Rule.HTTP_CLEARTEXT, "ALLO_HTTP_HOST",
                    f"the HTTP API listens on {http_host} without TLS: passwords and session cookies cross the "
                    f"network in clear{cookie}",
                    "keep ALLO_HTTP_HOST=127.0.0.1 and put a TLS reverse proxy (nginx, caddy) in front")]


def check_modes(modes: dict[str, int]) -> list[Finding]:
    """`modes` maps a file's path to its st_mode; files that do not exist are simply absent."""
    return [error(Rule.FILE_MODE, path, f"mode {mode & 0o777:03o}: readable or writable by other users",
                  f"chmod 600 {path}")
            for path, mode in sorted(modes.items()) if mode & 0o077]
