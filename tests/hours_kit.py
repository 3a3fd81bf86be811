"""Opening hours that hold at any hour CI runs: tests cannot move Asterisk's clock, so they publish them.

An always-open calendar for "open", an exceptional closure of today (and tomorrow, for a run crossing midnight)
for "closed"; then they wait until Asterisk's dialplan has the fallback hours of that rules version
(allo/fallback/sync.py renders them on every publish), and put the rules back afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx

from allo.auth.roles import Role
from allo.setup.asterisk import AsteriskInstance
from allo.setup.service_process import ServiceProcess
from routing.calendar_types import PARIS

ALWAYS_OPEN: list[dict[str, Any]] = [
    *({"op": "set_weekly", "calendar": "general", "weekday": day, "periods": [{"opens": "00:00", "closes": "00:00"}]}
      for day in range(7)),
    {"op": "set_holidays", "calendar": "general", "public_holidays": False},
]


def closed_today() -> list[dict[str, Any]]:
    today = datetime.now(PARIS).date()
    return [{"op": "add_exception", "calendar": "general", "kind": "closure", "starts_on": today.isoformat(),
             "ends_on": (today + timedelta(days=1)).isoformat(), "message_text": "test: fermé aujourd'hui"}]


def current_version(client: httpx.Client) -> dict[str, Any]:
    reply = client.get("/api/rules/current")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def publish(client: httpx.Client, edits: list[dict[str, Any]], comment: str) -> dict[str, Any]:
    """Publish `edits` on a fresh draft; the new version's summary (`id`, `rules_version`)."""
    client.delete("/api/rules/draft")
    for edit in edits:
        reply = client.post("/api/rules/draft/edits", json=edit)
        assert reply.status_code == 200, reply.text
    reply = client.post("/api/rules/draft/publish", json={"comment": comment})
    assert reply.status_code == 200, reply.text
    summary: dict[str, Any] = reply.json()
    return summary


def roll_back(client: httpx.Client, version_id: int) -> dict[str, Any]:
    reply = client.post(f"/api/rules/versions/{version_id}/rollback", json={"comment": "test: rules put back"})
    assert reply.status_code == 200, reply.text
    summary: dict[str, Any] = reply.json()
    return summary


def wait_dialplan_hours(asterisk: AsteriskInstance, rules_version: int, timeout: float = 15.0) -> float:
    """Seconds until Asterisk runs the fallback hours rendered from `rules_version`."""
    start = time.monotonic()
    marker = f"rules version {rules_version} "
    while marker not in asterisk.cli("dialplan show s@allo-hours", check=False):
        assert time.monotonic() - start < timeout, \
            f"Asterisk's [allo-hours] is not from rules version {rules_version} after {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - start


@contextmanager
def published(service: ServiceProcess, asterisk: AsteriskInstance, edits: list[dict[str, Any]],
              comment: str) -> Iterator[httpx.Client]:
    """Publish `edits` and wait until Asterisk's dialplan has their fallback hours; afterwards (the service
    started again if the test stopped it) put back the rules it had and wait for their hours."""
    with httpx.Client(base_url=service.base_url, headers=service.headers(Role.OPS), timeout=20) as client:
        before = current_version(client)
        summary = publish(client, edits, comment)
        try:
            took = wait_dialplan_hours(asterisk, int(summary["rules_version"]))
            print(f"[hours] Asterisk had the fallback hours of version {summary['rules_version']} {took:.2f} s "
                  f"after publishing")
            yield client
        finally:
            if service.proc is None or service.proc.poll() is not None:
                service.start()
            back = roll_back(client, int(before["id"]))
            wait_dialplan_hours(asterisk, int(back["rules_version"]))
