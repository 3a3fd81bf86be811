"""POST/GET/DELETE /api/callbacks against `allo serve` and the real PostgreSQL: what a web form gets back."""

from __future__ import annotations

import time

import httpx
import pytest

from allo.auth.roles import Role

pytestmark = pytest.mark.integration


@pytest.fixture
def api(running_service):
    """A supervisor's client: reads and cancels callbacks; books without the anonymous per-address limit."""
    with httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.SUPERVISOR),
                      timeout=10) as client:
        yield client


@pytest.mark.parametrize(("phone", "why"), [
    ("0899 12 34 56", "premium"), ("3939", "short number"), ("+44 20 7946 0000", "foreign"),
    ("06 12 34", "too short"), ("appelez-moi", "not a number"),
])
def test_a_number_that_cannot_be_called_back_is_refused_with_a_reason(api, phone, why):
    response = api.post("/api/callbacks", json={"phone": phone, "consent": True})
    assert response.status_code == 422, (why, response.text)
    assert response.json()["detail"]["error"] == "invalid_number"
    assert response.json()["detail"]["message"]


def test_consent_sector_and_body_are_checked(api):
    no_consent = api.post("/api/callbacks", json={"phone": "0612000001", "consent": False})
    assert no_consent.status_code == 422 and no_consent.json()["detail"]["error"] == "no_consent"
    unknown = api.post("/api/callbacks", json={"phone": "0612000001", "sector": "meteo", "consent": True})
    assert unknown.status_code == 422 and unknown.json()["detail"]["error"] == "unknown_sector"
    assert api.post("/api/callbacks", json={"consent": True}).status_code == 422
    assert api.post("/api/callbacks", content=b"{not json", headers={"content-type": "application/json"}
                    ).status_code == 422
    assert api.get("/api/callbacks/not-a-uuid").status_code == 422
    assert api.get("/api/callbacks/00000000-0000-0000-0000-000000000000").status_code == 404


def test_book_once_read_without_the_number_then_cancel(api):
    booked = api.post("/api/callbacks", json={"phone": "+33 6 12 00 00 02", "sector": "justice", "consent": True})
    assert booked.status_code == 201, booked.text
    public_id = booked.json()["id"]
    try:
        again = api.post("/api/callbacks", json={"phone": "06.12.00.00.02", "consent": True})
        assert again.status_code == 409 and again.json()["detail"]["error"] == "already_pending"
        view = api.get(f"/api/callbacks/{public_id}")
        assert view.status_code == 200 and view.json()["queue"] == "l2-justice"
        assert "12000002" not in view.text and "12 00 00 02" not in view.text
        assert public_id in api.get("/api/callbacks").text
    finally:
        assert api.delete(f"/api/callbacks/{public_id}").status_code == 200
    assert api.get(f"/api/callbacks/{public_id}").json()["status"] == "cancelled"
    closed = api.delete(f"/api/callbacks/{public_id}")
    assert closed.status_code == 409 and closed.json()["detail"]["error"] == "closed"
    # Closed: the same number may ask again.
    rebooked = api.post("/api/callbacks", json={"phone": "0612000002", "sector": "justice", "consent": True})
    assert rebooked.status_code == 201
    assert api.delete(f"/api/callbacks/{rebooked.json()['id']}").status_code == 200


def test_503_while_the_database_is_away_and_booking_works_again_after(api, postgres):
    postgres.stop("fast")
    try:  # the anonymous web form: no account to check, the booking itself says it cannot be made
        response = httpx.post(f"{api.base_url}/api/callbacks", json={"phone": "0612000003", "consent": True},
                              timeout=10)
        assert response.status_code == 503, response.text
        assert response.json()["detail"]["error"] == "unavailable"
    finally:
        postgres.start()
        postgres.wait_ready()
    deadline = time.monotonic() + 20
    while True:
        response = api.post("/api/callbacks", json={"phone": "0612000003", "consent": True})
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert response.status_code == 201, response.text
    assert api.delete(f"/api/callbacks/{response.json()['id']}").status_code == 200


def test_anonymous_requests_are_limited_per_address_but_not_staff(allo_service, running_service):
    allo_service.stop()
    allo_service.env = {"ALLO_CALLBACK_BOOKINGS_PER_HOUR": "3"}  # running_service restores the default after
    allo_service.start()
    url = f"{allo_service.base_url}/api/callbacks"
    codes = [httpx.post(url, json={"phone": "appelez-moi", "consent": True}).status_code for _ in range(3)]
    assert codes == [422] * 3  # invalid requests count too: nobody probes numbers quickly
    limited = httpx.post(url, json={"phone": "0612000009", "consent": True})
    assert limited.status_code == 429 and limited.json()["detail"]["error"] == "rate_limited"
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3601
    staff = httpx.post(url, json={"phone": "appelez-moi", "consent": True},
                       headers=allo_service.headers(Role.SUPERVISOR))
    assert staff.status_code == 422
