"""Every route and every role against the real service: refused roles get 403, anonymous callers 401 (pages: a
redirect to /login), allowed roles neither. A route of the app missing from EXPECTED fails the test: whoever adds an
endpoint adds its line here (docs/accounts.md has the same table in prose).

Requests are made harmless: unknown ids in paths (404), empty JSON bodies (422); `require()` runs before the body
and path parameters are validated, so the role check is what is being tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from allo.app import create_app
from allo.auth.roles import Role
from allo.service import AlloService
from allo.settings import Settings

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Access:
    """Who may call a route: `roles` (admin is always added), or everybody when `public`; `page` routes redirect
    anonymous callers to /login instead of answering 401."""

    roles: frozenset[Role] = frozenset()
    public: bool = False
    page: bool = False

    def __or__(self, other: Access) -> Access:
        return replace(self, roles=self.roles | other.roles)

    @property
    def as_page(self) -> Access:
        return replace(self, page=True)

    def allows(self, role: Role) -> bool:
        return self.public or role is Role.ADMIN or role in self.roles


PUBLIC = Access(public=True)
ADMIN = Access()
OPS = Access(frozenset({Role.OPS}))
SUPERVISOR = Access(frozenset({Role.SUPERVISOR}))
AGENT = Access(frozenset({Role.AGENT}))
EVERYONE = Access(frozenset(Role))
STAFF = OPS | SUPERVISOR  # everyone but agents

# (method, path as declared) -> who may call it. Mounts (static files) are listed with GET.
EXPECTED: dict[tuple[str, str], Access] = {
    # Public: load balancers, documentation, the login form, the citizen's callback form.
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/api/auth/token"): PUBLIC,
    ("POST", "/api/callbacks"): PUBLIC,  # anonymous callers are rate-limited per address
    ("GET", "/rappel"): PUBLIC,  # the citizens' callback page (docs/callbacks.md)
    ("GET", "/public/best-hours.json"): PUBLIC,  # the best hours to call, for websites (docs/planning.md)
    ("GET", "/public/best-hours.html"): PUBLIC,
    # Any signed-in account.
    ("GET", "/"): EVERYONE.as_page,
    ("POST", "/logout"): EVERYONE.as_page,
    ("DELETE", "/api/auth/token"): EVERYONE,
    ("GET", "/api/auth/me"): EVERYONE,
    ("GET", "/api/queues"): EVERYONE,  # the wallboard agents see too
    # Monitoring.
    ("GET", "/metrics"): OPS,
    ("GET", "/api/rules/version"): STAFF,
    # Agents and their calls (agents act on their own state only: test_an_agent_acts_on_its_own_state_only).
    ("GET", "/api/agents"): SUPERVISOR,
    ("POST", "/api/agents"): OPS,
    ("PATCH", "/api/agents/{username}"): OPS | SUPERVISOR,
    ("POST", "/api/agents/{username}/login"): SUPERVISOR,
    ("POST", "/api/agents/{username}/pause"): SUPERVISOR,
    ("POST", "/api/agents/{username}/resume"): SUPERVISOR,
    ("POST", "/api/agents/{username}/logout"): SUPERVISOR,
    ("GET", "/api/calls/active"): SUPERVISOR,
    ("GET", "/api/calls/{call_id}"): SUPERVISOR | AGENT,
    ("POST", "/api/calls/{call_id}/notes"): SUPERVISOR | AGENT,
    ("POST", "/api/calls/{call_id}/transfer"): SUPERVISOR | AGENT,
    ("GET", "/api/calls/lookup"): STAFF,
    ("GET", "/api/agents/history"): STAFF,
    # The adviser's desk (docs/desk.md): the adviser's own state, calls and notes.
    ("GET", "/api/desk/stream"): AGENT,
    ("GET", "/api/desk/state"): AGENT,
    ("POST", "/api/desk/login"): AGENT,
    ("POST", "/api/desk/logout"): AGENT,
    ("POST", "/api/desk/resume"): AGENT,
    ("POST", "/api/desk/pause"): AGENT,
    ("GET", "/api/desk/calls/{call_id}"): AGENT,
    ("PUT", "/api/desk/calls/{call_id}/note"): AGENT,
    # The written confirmation (issue 19, docs/after-call.md): the adviser on the call.
    ("POST", "/api/desk/calls/{call_id}/confirmation"): AGENT,
    ("GET", "/api/desk/calls/{call_id}/confirmations"): AGENT,
    ("POST", "/api/rules/topical"): OPS,
    ("DELETE", "/api/rules/topical"): OPS,
    ("GET", "/api/rules/survey"): STAFF,
    ("GET", "/api/reports/surveys"): STAFF,
    # Where an adviser sends a question (issue 17): the escalation sheet in force, the caller's local office.
    ("GET", "/api/knowledge/escalation"): AGENT | STAFF,
    ("GET", "/api/directory/local"): AGENT | STAFF,
    # The adviser's desk page (issue 18).
    ("GET", "/desk"): AGENT.as_page,
    ("POST", "/ops/rules/topical"): OPS.as_page,
    ("POST", "/ops/rules/topical/withdraw"): OPS.as_page,
    ("GET", "/appels"): STAFF.as_page,
    ("GET", "/api/callbacks"): SUPERVISOR | AGENT,
    ("GET", "/api/callbacks/{callback_id}"): SUPERVISOR | AGENT,
    ("DELETE", "/api/callbacks/{callback_id}"): SUPERVISOR,
    # Accounts (admin only).
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("PATCH", "/api/users/{username}"): ADMIN,
    ("GET", "/users"): ADMIN.as_page,
    ("POST", "/users"): ADMIN.as_page,
    ("POST", "/users/{username}"): ADMIN.as_page,
    # Dashboard and supervisor actions (dashboard engineer): add your rows here.
    ("GET", "/dashboard"): SUPERVISOR.as_page,
    ("GET", "/api/dashboard"): SUPERVISOR,
    ("GET", "/api/dashboard/stream"): SUPERVISOR,
    ("POST", "/api/supervisor/agents/{username}/pause"): SUPERVISOR,
    ("POST", "/api/supervisor/agents/{username}/resume"): SUPERVISOR,
    ("POST", "/api/supervisor/agents/{username}/logout"): SUPERVISOR,
    ("POST", "/api/supervisor/agents/{username}/spy"): SUPERVISOR,
    # Rules editor and ops pages (rules engineer): add your rows here.
    ("GET", "/api/rules/current"): OPS | SUPERVISOR,
    ("GET", "/api/rules/draft"): OPS,
    ("DELETE", "/api/rules/draft"): OPS,
    ("POST", "/api/rules/draft/edits"): OPS,
    ("POST", "/api/rules/draft/preview"): OPS,
    ("POST", "/api/rules/draft/publish"): OPS,
    ("GET", "/api/rules/versions"): OPS,
    ("GET", "/api/rules/versions/{version_id}"): OPS,
    ("GET", "/api/rules/versions/{a}/diff/{b}"): OPS,
    ("POST", "/api/rules/versions/{version_id}/rollback"): OPS,
    ("POST", "/api/prompts/{name:path}/recording"): OPS,
    ("GET", "/api/prompts/recordings/{recording_id}"): OPS,
    ("GET", "/ops/rules"): OPS.as_page,
    ("GET", "/ops/rules/{section}"): OPS.as_page,
    ("POST", "/ops/rules/edit"): OPS.as_page,
    ("POST", "/ops/rules/publish"): OPS.as_page,
    ("POST", "/ops/rules/discard"): OPS.as_page,
    ("GET", "/ops/rules/versions"): OPS.as_page,
    ("GET", "/ops/rules/versions/diff"): OPS.as_page,
    ("POST", "/ops/rules/versions/{version_id}/rollback"): OPS.as_page,
    # Reports and audit (reports engineer): add your rows here.
    ("GET", "/api/reports"): STAFF,
    ("GET", "/api/reports.csv"): STAFF,
    ("GET", "/reports"): STAFF.as_page,
    ("GET", "/api/reports/advisers"): STAFF,  # per adviser (issue 19)
    ("GET", "/api/reports/advisers.csv"): STAFF,
    ("GET", "/reports/advisers"): STAFF.as_page,
    ("GET", "/api/planning/week"): STAFF,  # the week plan (issue 20, docs/planning.md)
    ("GET", "/api/planning/week.csv"): STAFF,
    ("GET", "/planning"): STAFF.as_page,
    ("GET", "/api/audit"): STAFF,
    ("GET", "/audit"): STAFF.as_page,
    # Knowledge base (answer sheets): advisers, supervisors, ops.
    ("GET", "/api/knowledge/search"): STAFF | AGENT,
    ("GET", "/api/knowledge/fiches/{sheet_id}"): STAFF | AGENT,
    # Directory of public bodies (issue 17): advisers, supervisors, ops.
    ("GET", "/api/directory/search"): AGENT | STAFF,
    ("GET", "/api/directory/bodies/{body_id}"): AGENT | STAFF,
    # The desk's actions during a call (issue 18, docs/desk.md): an adviser acts on their own calls only.
    ("GET", "/api/desk/sectors"): AGENT | SUPERVISOR,
    ("POST", "/api/desk/calls/{call_id}/transfer"): AGENT,
    ("POST", "/api/desk/calls/{call_id}/orient"): AGENT,
    ("GET", "/api/desk/calls/{call_id}/orientations"): AGENT | SUPERVISOR,
    ("POST", "/api/desk/help"): AGENT,
    ("GET", "/api/supervisor/help"): SUPERVISOR,
    ("POST", "/api/supervisor/help/{request_id}/answer"): SUPERVISOR,
    # Procedure flags (« signaler une difficulté »): raised by whoever answers or oversees calls, handled by ops.
    ("POST", "/api/knowledge/flags"): AGENT | STAFF,
    ("GET", "/api/knowledge/flags"): STAFF,
    ("GET", "/api/knowledge/flags.csv"): STAFF,
    ("PATCH", "/api/knowledge/flags/{flag_id}"): OPS,
    ("GET", "/ops/flags"): OPS.as_page,
    ("POST", "/ops/flags/{flag_id}"): OPS.as_page,
    # The adviser's knowledge pages (docs/knowledge.md): every role that answers or oversees calls.
    ("GET", "/connaissances"): (STAFF | AGENT).as_page,
    ("GET", "/connaissances/fiches/{sheet_id}"): (STAFF | AGENT).as_page,
    # The wrap-up (issue 18, docs/desk.md): the adviser's own calls; the reasons ops maintain; the report.
    ("GET", "/api/desk/reasons"): AGENT | STAFF,
    ("PUT", "/api/desk/calls/{call_id}/reason"): AGENT,
    ("POST", "/api/desk/calls/{call_id}/wrapup"): AGENT,
    ("GET", "/api/ops/reasons"): OPS,
    ("POST", "/api/ops/reasons"): OPS,
    ("PATCH", "/api/ops/reasons/{reason_id}"): OPS,
    ("GET", "/ops/reasons"): OPS.as_page,
    ("POST", "/ops/reasons"): OPS.as_page,
    ("POST", "/ops/reasons/{reason_id}"): OPS.as_page,
    ("GET", "/api/reports/wrapups"): STAFF,
    # The quality barometer (issue 19, docs/reports.md).
    ("GET", "/api/reports/barometer"): STAFF,
    ("GET", "/reports/barometer"): STAFF.as_page,
}


@dataclass(frozen=True)
class Sample:
    """How to call a route harmlessly when the defaults (unknown ids, `{}` as body) do not suit it."""

    path: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    fresh_token: bool = False  # the call spends the token (e.g. revokes it)


UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"

SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/static"): Sample(path={"": "/static/allo.css"}),
    ("POST", "/login"): Sample(form={"username": "", "password": ""}),
    ("POST", "/api/auth/token"): Sample(form={}),
    ("DELETE", "/api/auth/token"): Sample(fresh_token=True),
    ("POST", "/logout"): Sample(fresh_token=True),
    ("POST", "/users"): Sample(form={}),
    ("POST", "/users/{username}"): Sample(form={}),
}

CALLERS: tuple[Role | None, ...] = (None, Role.ADMIN, Role.OPS, Role.SUPERVISOR, Role.AGENT)


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI >= 0.165 keeps included routers lazily
        if included is not None:
            yield from walk(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, prefix + route.path
        else:  # a WebSocket route or something new: it must be in the table too
            yield type(route).__name__.upper(), prefix + getattr(route, "path", repr(route))


def app_routes(settings: Settings) -> Iterator[tuple[str, str]]:
    yield from walk(create_app(AlloService(settings)).routes)


def test_every_route_of_the_app_is_in_the_table(test_settings: Settings) -> None:
    missing = sorted(set(app_routes(test_settings)) - set(EXPECTED))
    assert not missing, f"add these routes to EXPECTED (and docs/accounts.md): {missing}"


def concrete_path(method: str, template: str) -> str:
    sample = SAMPLES.get((method, template), Sample())
    if "" in sample.path:
        return sample.path[""]
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: sample.path.get(m.group(1), UNKNOWN_ID), template)


def new_token(service: Any, role: Role) -> str:
    username, password = service.credentials(role)
    reply = httpx.post(f"{service.base_url}/api/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def call(service: Any, method: str, template: str, role: Role | None) -> httpx.Response:
    sample = SAMPLES.get((method, template), Sample())
    headers: dict[str, str] = {}
    if role is not None:
        headers = ({"Authorization": f"Bearer {new_token(service, role)}"} if sample.fresh_token
                   else service.headers(role))
    kwargs: dict[str, Any] = {}
    if method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
        if sample.form is not None:
            kwargs["data"] = sample.form
        else:
            kwargs["json"] = {} if sample.json is None else sample.json
    # Streamed so that live endpoints (server-sent events) answer with their status without being read.
    with httpx.Client(base_url=service.base_url, timeout=10, follow_redirects=False) as client, \
            client.stream(method, concrete_path(method, template), headers=headers, **kwargs) as response:
        return response


@pytest.fixture(scope="module")
def existing_routes(test_settings: Settings) -> set[tuple[str, str]]:
    return set(app_routes(test_settings))


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED), ids=str)
def test_route_answers_each_role_as_the_table_says(running_service, existing_routes, method: str,
                                                    template: str) -> None:
    if (method, template) not in existing_routes:
        pytest.skip("in the table, not (yet) in the app")
    access = EXPECTED[(method, template)]
    wrong = []
    for role in CALLERS:
        response = call(running_service, method, template, role)
        problem = verdict(access, role, response.status_code, response.headers.get("location", ""))
        if problem:
            wrong.append(f"{role.value if role else 'anonymous'}: {problem}")
    assert not wrong, f"{method} {template}: " + "; ".join(wrong)


def verdict(access: Access, role: Role | None, code: int, location: str) -> str | None:
    """None when `code` is what `access` promises to `role`; otherwise what was expected."""
    if access.public or (role is not None and access.allows(role)):
        return f"{code}, expected to be allowed" if code in (401, 403) else None
    if role is None and access.page:
        ok = code in (302, 303, 307) and location.startswith("/login")
        return None if ok else f"{code}, expected a redirect to /login"
    expected = 401 if role is None else 403
    return None if code == expected else f"{code}, expected {expected}"


def test_the_verdict_flags_every_kind_of_mismatch() -> None:
    assert verdict(SUPERVISOR, Role.SUPERVISOR, 404, "") is None
    assert verdict(SUPERVISOR, Role.ADMIN, 403, "") == "403, expected to be allowed"
    assert verdict(SUPERVISOR, Role.OPS, 200, "") == "200, expected 403"
    assert verdict(SUPERVISOR, None, 200, "") == "200, expected 401"
    assert verdict(SUPERVISOR.as_page, None, 401, "") == "401, expected a redirect to /login"
    assert verdict(SUPERVISOR.as_page, None, 303, "/login?next=/dashboard") is None
    assert verdict(PUBLIC, None, 422, "") is None
    assert verdict(PUBLIC, Role.AGENT, 403, "") == "403, expected to be allowed"


def admin_cookie_session(service: Any) -> tuple[dict[str, str], str]:
    """A web session of the demo admin: its cookie and the CSRF token of its pages."""
    username, password = service.credentials(Role.ADMIN)
    reply = httpx.post(f"{service.base_url}/login", data={"username": username, "password": password},
                       follow_redirects=False)
    assert reply.status_code == 303, reply.text
    # httpx keeps Secure cookies for https only: carry it by hand.
    cookies = {"allo_session": reply.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]}
    page = httpx.get(f"{service.base_url}/users", cookies=cookies).text  # any page of the layout
    return cookies, page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_a_cookie_session_needs_the_csrf_token_for_unsafe_methods(running_service) -> None:
    cookies, csrf = admin_cookie_session(running_service)
    assert csrf
    base = running_service.base_url
    assert httpx.get(f"{base}/api/users", cookies=cookies).status_code == 200  # safe: no token needed
    patch = f"{base}/api/users/{UNKNOWN_ID}"
    missing = httpx.patch(patch, json={}, cookies=cookies)
    assert missing.status_code == 403 and "CSRF" in missing.json()["detail"]
    wrong = httpx.patch(patch, json={}, cookies=cookies, headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    assert httpx.patch(patch, json={}, cookies=cookies, headers={"X-CSRF-Token": csrf}).status_code == 404
    form = httpx.post(f"{base}/users/{UNKNOWN_ID}", data={"action": "disable"}, cookies=cookies)
    assert form.status_code == 403
    allowed = httpx.post(f"{base}/users/{UNKNOWN_ID}", data={"action": "disable", "csrf_token": csrf},
                         cookies=cookies)
    assert allowed.status_code == 404
    # A bearer token needs none: browsers never add an Authorization header on their own.
    assert httpx.patch(patch, json={}, headers=running_service.headers(Role.ADMIN)).status_code == 404


def test_every_operation_in_openapi_has_a_summary_and_the_bearer_scheme(running_service) -> None:
    spec = httpx.get(f"{running_service.base_url}/openapi.json").json()
    operations = [(method.upper(), path, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) > 30
    assert [(m, p) for m, p, op in operations if not op.get("summary")] == []
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http", "scheme": "bearer", "description": "A token from `POST /api/auth/token`"}
    secured = {(m, p) for m, p, op in operations if op.get("security") == [{"HTTPBearer": []}]}
    for (method, path), access in EXPECTED.items():
        if any((m, p) == (method, path) for m, p, _op in operations):
            assert ((method, path) in secured) is not access.public, (method, path)
    docs = httpx.get(f"{running_service.base_url}/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
