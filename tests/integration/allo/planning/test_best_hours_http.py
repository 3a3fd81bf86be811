"""The best hours from a history of known shape, against the running service (routing clock: Monday 23/11/2026
10:00 Paris): the quiet half-hours come out, holidays are left out, and the public endpoints answer without a token,
cached, with no personal data; before any history they answer too, saying so in French."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from acd.planning.best_hours import NO_HISTORY_TEXT
from allo.auth.roles import Role
from tests.best_hours_kit import replace_summary, rows

pytestmark = pytest.mark.integration

CACHE_S = 1


@pytest.fixture
def short_cache(allo_service) -> Iterator[object]:
    """The service recomputing the best hours every second (seeded: 15 minutes)."""
    allo_service.stop()
    allo_service.env = {"ALLO_BEST_HOURS_CACHE_SECONDS": str(CACHE_S)}
    allo_service.start()
    yield allo_service
    allo_service.stop()
    allo_service.env = {}


def fresh(client: httpx.Client, after: str, condition) -> dict:
    """The JSON computed after `after` that meets `condition` (the cache lasts CACHE_S)."""
    deadline = time.monotonic() + 15
    while True:
        body = client.get("/public/best-hours.json").json()
        if body["generated_at"] > after and condition(body):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def l1(body: dict) -> dict:
    return next(q for q in body["queues"] if q["queue"] == "l1")


async def test_the_quiet_half_hours_are_the_best_hours_public_and_cached(test_settings, short_cache):
    await replace_summary(test_settings, [])
    try:
        with httpx.Client(base_url=short_cache.base_url, timeout=30) as client:  # no token
            empty = client.get("/public/best-hours.json")
            assert empty.status_code == 200, empty.text
            assert empty.headers["cache-control"] == f"public, max-age={CACHE_S}"
            body = empty.json()
            assert [q["queue"] for q in body["queues"]][:1] == ["l1"]  # the general line first, then the sectors
            assert len(body["queues"]) == 7, body
            assert l1(body)["ranges"] == [] and l1(body)["text"] == NO_HISTORY_TEXT
            fragment = client.get("/public/best-hours.html")
            assert fragment.status_code == 200 and fragment.headers["content-type"].startswith("text/html")
            assert fragment.headers["cache-control"] == f"public, max-age={CACHE_S}"
            assert "Nous n&#x27;avons pas encore assez d&#x27;appels mesurés" in fragment.text

            await replace_summary(test_settings, rows())
            started = time.monotonic()
            body = await asyncio.to_thread(fresh, client, body["generated_at"], lambda b: l1(b)["ranges"])
            print(f"[best hours] recomputed {time.monotonic() - started:.2f} s after the history was inserted")
            assert l1(body)["ranges"] == [
                {"weekday": 1, "day": "mardi", "start": "14:00", "end": "16:00", "expected_wait_min": 0.5},
                {"weekday": 3, "day": "jeudi", "start": "09:00", "end": "10:30", "expected_wait_min": 0.8},
                {"weekday": 4, "day": "vendredi", "start": "11:00", "end": "11:30", "expected_wait_min": 1.0},
            ], body
            assert l1(body)["text"] == ("Les meilleurs moments pour appeler sont le mardi de 14 h à 16 h, le jeudi "
                                        "de 9 h à 10 h 30 et le vendredi de 11 h à 11 h 30.")
            # Nothing personal: queues, labels, hours and waits only.
            assert set(body) == {"generated_at", "queues"}
            assert all(set(q) == {"queue", "label", "text", "ranges"} for q in body["queues"])
            fragment = client.get("/public/best-hours.html").text
            assert "<li>Le mardi de 14 h à 16 h (moins d&#x27;une minute d&#x27;attente)</li>" in fragment
            assert not re.search(r"<script|\son\w+=|\b0\d{9}\b|@", fragment)
            paths = client.get("/openapi.json").json()["paths"]
            assert paths["/public/best-hours.json"]["get"]["summary"].startswith("The best hours to call")
            assert "/public/best-hours.html" in paths
            metrics = client.get("/metrics", headers=short_cache.headers(Role.OPS)).text
            done = re.search(r'^allo_best_hours_computed_total\{outcome="done"\} (\S+)$', metrics, re.M)
            assert done is not None and float(done[1]) >= 2, metrics  # the empty report, then the fresh one
    finally:
        await replace_summary(test_settings, [])
