"""`allo serve` as a real process: /healthz reports every part, /metrics counts real FastAGI sessions."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from allo.auth.roles import Role

pytestmark = pytest.mark.integration


def test_healthz_reports_database_ami_and_fastagi_up(running_service):
    response = httpx.get(f"{running_service.base_url}/healthz", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "database", "ami", "fastagi")} == {
        "status": "ok", "database": "up", "ami": "up", "fastagi": "up"}
    assert body["rules"].startswith("v") and int(body["rules"][1:]) > 1  # the seeded rules are loaded
    assert body["node"] is None  # a single node (a cluster's nodes say a / b: tests/cluster/test_run_cluster.py)


async def test_metrics_count_fastagi_sessions(running_service, test_settings):
    # A FastAGI session for an unknown script, as Asterisk would open it.
    reader, writer = await asyncio.open_connection(test_settings.agi_host, test_settings.agi_port)
    writer.write(b"agi_network: yes\nagi_network_script: nosuchscript\nagi_uniqueid: 1.9\n\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closes: the dialplan falls back
    writer.close()
    await writer.wait_closed()
    async with httpx.AsyncClient(headers=running_service.headers(Role.OPS)) as client:  # Prometheus' token
        for _ in range(50):
            text = (await client.get(f"{running_service.base_url}/metrics")).text
            if 'allo_agi_sessions_total{outcome="no_route"}' in text:
                break
            await asyncio.sleep(0.1)
    assert 'allo_agi_sessions_total{outcome="no_route"} 1.0' in text
    assert "allo_ami_connected 1.0" in text


def test_live_queues_endpoint_lists_the_seeded_queues(running_service):
    body = httpx.get(f"{running_service.base_url}/api/queues", headers=running_service.headers(Role.SUPERVISOR),
                     timeout=5).json()
    assert body["ami"] == "up"
    assert "l1" in str(body) and "l2-fiscalite" in str(body)


def test_healthz_says_503_while_the_database_is_away_and_recovers(running_service, postgres):
    postgres.stop("fast")
    try:
        response = httpx.get(f"{running_service.base_url}/healthz", timeout=10)
        assert response.status_code == 503
        assert response.json()["database"] == "down"
        assert response.json()["ami"] == "up" and response.json()["fastagi"] == "up"
    finally:
        postgres.start()
        postgres.wait_ready()
    for _ in range(50):
        if httpx.get(f"{running_service.base_url}/healthz", timeout=10).status_code == 200:
            break
    else:
        raise AssertionError("health did not recover after PostgreSQL came back")
