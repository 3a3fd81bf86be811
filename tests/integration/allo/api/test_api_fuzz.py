"""schemathesis against the service's own /openapi.json, once per role and once without a token (issue 7).

Every operation gets requests generated from its schema. With a role the table of test_role_matrix.py allows: no
server error, and the response matches its documented schema. With a role it refuses: 403 whatever the input; with
no token: 401. The service is a private one (fuzz_stack.py): the fuzzer publishes rules, creates accounts, books
callbacks and revokes tokens.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import FailureGroup

from allo.auth.roles import Role
from allo.setup.service_process import ServiceProcess
from tests import reliability
from tests.integration.allo.api.test_role_matrix import EXPECTED, Access, verdict
from tests.integration.allo.fuzz_stack import fuzz_stack

pytestmark = pytest.mark.integration

# Examples per operation: allowed roles get the most (that is where the code runs), refused ones a few (the role
# check comes before anything else), anonymous callers fewer still. The whole test stays under ~2 minutes.
ALLOWED_EXAMPLES = 12
REFUSED_EXAMPLES = 3
ANONYMOUS_EXAMPLES = 2
TIMEOUT_S = 10.0
# An event stream never ends: requests would only time out. Its roles are checked by test_role_matrix.py.
NOT_FUZZED = {("GET", "/api/dashboard/stream"), ("GET", "/api/desk/stream")}
# Publishing a draft makes the sound files of changed prompts in the sounds directory that every Asterisk instance on
# the machine shares: a fuzzed prompt text would change what other tests' callers hear. Only the role check of these
# is fuzzed (refused roles, no token); publishing is tested by test_rules_editor_http.py and test_topical_http.py (the
# topical message publishes at once).
PUBLISHES = {("POST", "/api/rules/draft/publish"), ("POST", "/ops/rules/publish"), ("POST", "/api/rules/topical"),
             ("DELETE", "/api/rules/topical"), ("POST", "/ops/rules/topical"), ("POST", "/ops/rules/topical/withdraw")}
# These revoke the token they are called with: each case gets a fresh one.
SPENDS_TOKEN = {("DELETE", "/api/auth/token"), ("POST", "/logout")}
CALLERS: tuple[Role | None, ...] = (Role.AGENT, Role.SUPERVISOR, Role.OPS, Role.ADMIN, None)


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    wrong_access: list[str] = field(default_factory=list)
    nonconforming: list[str] = field(default_factory=list)
    unrouted: int = 0


@pytest.fixture(scope="module")
def fuzz_service(test_settings, postgres, tmp_path_factory):  # type: ignore[no-untyped-def]
    with fuzz_stack(test_settings, postgres, tmp_path_factory.mktemp("allo-fuzz")) as service:
        # The adviser account answers on agent1001's phone: the desk's endpoints then run their code (state, actions
        # over AMI, calls and notes refused or unknown), not only the 409 of an account without a phone.
        adviser = service.credentials(Role.AGENT)[0]
        given_phone = httpx.patch(f"{service.base_url}/api/users/{adviser}", json={"extension": "agent1001"},
                                  headers=service.headers(Role.ADMIN), timeout=TIMEOUT_S)
        assert given_phone.status_code == 200, given_phone.text
        yield service


def access_of(method: str, path: str) -> Access | None:
    for (m, template), access in EXPECTED.items():
        if m == method and template.replace(":path}", "}") == path:
            return access
    return None


def routed(template: str, url: str) -> bool:
    """Whether the URL sent still has the operation's path (a path parameter "." or ".." is resolved away)."""
    pattern = re.sub(r"\{[^}]+\}", ".*", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
    return re.fullmatch(pattern, unquote(urlsplit(url).path)) is not None


def fresh_token(service: ServiceProcess, role: Role) -> str:
    username, password = service.credentials(role)
    reply = httpx.post(f"{service.base_url}/api/auth/token", data={"username": username, "password": password},
                       timeout=TIMEOUT_S)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def fuzz_operation(service: ServiceProcess, operation: Any, role: Role | None, access: Access, tally: Tally) -> None:
    method, path = operation.method.upper(), operation.path
    allowed = access.public or (role is not None and access.allows(role))
    if allowed and (method, path) in PUBLISHES:
        return
    examples = ALLOWED_EXAMPLES if allowed else REFUSED_EXAMPLES if role is not None else ANONYMOUS_EXAMPLES

    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        headers = {}
        if role is not None:
            token = fresh_token(service, role) if (method, path) in SPENDS_TOKEN else None
            headers = {"Authorization": f"Bearer {token}"} if token else service.headers(role)
        case.headers = {key: value for key, value in (case.headers or {}).items() if key.lower() != "authorization"}
        response = case.call(base_url=service.base_url, headers=headers, timeout=TIMEOUT_S, allow_redirects=False)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        where = f"{role.value if role else 'anonymous'} {method} {path} -> {response.status_code}"
        if response.status_code >= 500:
            tally.server_errors.append(f"{where}: {case.as_curl_command()}")
            return
        if not allowed:
            location = next((values[0] for key, values in response.headers.items() if key.lower() == "location"), "")
            problem = verdict(access, role, response.status_code, location)
            if problem:
                tally.wrong_access.append(f"{where}: {problem}: {case.as_curl_command()}")
            return
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except FailureGroup as group:  # collected, so that one run shows every kind of mismatch
            tally.nonconforming += [f"{where}: {failure.title}: {failure.message.splitlines()[0]}"
                                    for failure in group.exceptions]

    run()


# --- server errors schemathesis found, one regression test each -------------------------------------------------


@pytest.mark.parametrize("path", ["/api/rules/versions/1282584385210316", "/api/rules/versions/-3",
                                  "/api/rules/versions/201297518084427546624/diff/1", "/api/rules/versions/1/diff/0",
                                  "/api/prompts/recordings/9684051889974633125904384",
                                  "/ops/rules/versions/diff?a=-4308266322166&b=-8239",
                                  "/ops/rules/versions/diff?a=1&b=2147483648", "/api/audit?before=9223372036854775808",
                                  "/audit?before=-1"])
def test_ids_out_of_the_column_range_are_refused_not_server_errors(fuzz_service, path):
    headers = fuzz_service.headers(Role.ADMIN)
    assert httpx.get(f"{fuzz_service.base_url}{path}", headers=headers, timeout=TIMEOUT_S).status_code == 422
    rollback = httpx.post(f"{fuzz_service.base_url}/api/rules/versions/9647666994893387776/rollback",
                          json={"comment": "x"}, headers=headers, timeout=TIMEOUT_S)
    assert rollback.status_code == 422


def test_a_nul_byte_in_a_login_is_a_failed_login_not_an_outage(fuzz_service):
    reply = httpx.post(f"{fuzz_service.base_url}/api/auth/token", data={"username": "ad\x00min", "password": "x"},
                       timeout=TIMEOUT_S)
    assert reply.status_code == 401, reply.text
    page = httpx.post(f"{fuzz_service.base_url}/login", data={"username": "\x00", "password": "x"},
                      timeout=TIMEOUT_S)
    assert page.status_code < 500


def test_a_nul_byte_in_a_path_is_refused_not_a_server_error(fuzz_service):
    headers = fuzz_service.headers(Role.ADMIN)
    for path in ("/api/calls/%00", "/api/agents/a%00b/login"):
        reply = httpx.request("GET" if path.startswith("/api/calls") else "POST", f"{fuzz_service.base_url}{path}",
                              headers=headers, timeout=TIMEOUT_S)
        assert 400 <= reply.status_code < 500, (path, reply.status_code, reply.text)
    reply = httpx.patch(f"{fuzz_service.base_url}/api/users/x%00y", json={"enabled": False}, headers=headers,
                        timeout=TIMEOUT_S)
    assert 400 <= reply.status_code < 500, reply.text


def test_acting_on_an_agent_asterisk_cannot_act_on_is_a_conflict_not_an_outage(fuzz_service):
    headers = fuzz_service.headers(Role.ADMIN)
    created = httpx.post(f"{fuzz_service.base_url}/api/agents",
                         json={"username": "agent9901", "display_name": "Sans file", "queues": []}, headers=headers,
                         timeout=TIMEOUT_S)
    assert created.status_code == 201, created.text
    for action in ("login", "pause", "resume"):
        reply = httpx.post(f"{fuzz_service.base_url}/api/agents/agent9901/{action}", json={}, headers=headers,
                           timeout=TIMEOUT_S)
        assert reply.status_code == 409, (action, reply.text)
        assert "agent9901" in reply.json()["detail"]


def test_the_api_gives_no_server_error_and_refuses_what_the_role_table_refuses(fuzz_service):
    spec = httpx.get(f"{fuzz_service.base_url}/openapi.json", timeout=TIMEOUT_S).json()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    # The login form last: the fuzzer's logins must not get in the way of the fresh tokens above.
    operations.sort(key=lambda op: (op.path == "/api/auth/token", op.path, op.method))
    unknown = [f"{op.method.upper()} {op.path}" for op in operations if access_of(op.method.upper(), op.path) is None]
    assert not unknown, f"operations missing from test_role_matrix.EXPECTED: {unknown}"
    started = time.monotonic()
    tallies: dict[str, Tally] = {}
    fuzzed = [op for op in operations if (op.method.upper(), op.path) not in NOT_FUZZED]
    for role in CALLERS:
        tally = tallies.setdefault(role.value if role else "anonymous", Tally())
        for operation in fuzzed:
            access = access_of(operation.method.upper(), operation.path)
            assert access is not None
            fuzz_operation(fuzz_service, operation, role, access, tally)
    seconds = time.monotonic() - started
    alive = fuzz_service.proc is not None and fuzz_service.proc.poll() is None

    total = sum(t.requests for t in tallies.values())
    errors = [e for t in tallies.values() for e in t.server_errors]
    wrong = [w for t in tallies.values() for w in t.wrong_access]
    nonconforming = [n for t in tallies.values() for n in t.nonconforming]
    observed: dict[str, Any] = {"operations in /openapi.json": len(operations), "operations fuzzed": len(fuzzed)}
    for who, tally in tallies.items():
        observed[f"requests as {who}"] = tally.requests
        observed[f"statuses as {who}"] = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    observed |= {"requests in all": total, "5xx responses": len(errors),
                 "refused roles or anonymous not answered 403 / 401": len(wrong),
                 "responses not matching their documented schema": len(nonconforming),
                 "requests whose path the client rewrote (. or ..), not judged": sum(t.unrouted
                                                                                     for t in tallies.values()),
                 "seconds": round(seconds, 1), "service still running": alive}
    reliability.record(
        "api_schemathesis", kind="attack", title="API fuzzed from its own OpenAPI schema (schemathesis), every role",
        load=f"schemathesis {schemathesis.__version__ if hasattr(schemathesis, '__version__') else ''}: "
             f"{ALLOWED_EXAMPLES} examples per operation for each allowed role, {REFUSED_EXAMPLES} per refused role, "
             f"{ANONYMOUS_EXAMPLES} without a token; private service and database",
        observed=observed, passed=not errors and not wrong and not nonconforming and alive,
        notes=f"Not fuzzed: {', '.join(' '.join(k) for k in sorted(NOT_FUZZED))} (an endless event stream; its "
              "roles are checked by test_role_matrix.py). Fuzzed for refused roles and without a token only: "
              f"{', '.join(' '.join(k) for k in sorted(PUBLISHES))} (publishing remakes prompts in the sounds "
              "directory every Asterisk instance of the machine shares).")
    assert alive
    assert not errors, "\n".join(errors[:20])
    assert not wrong, "\n".join(wrong[:20])
    assert not nonconforming, "\n".join(sorted(set(nonconforming))[:40])
    assert total > 500
