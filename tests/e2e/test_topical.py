"""The topical message heard by real callers (SIPp through Asterisk): published at 10:00 Paris (the routing clock)
until 12:00, a call hears it after the welcome and is then queued; with the routing clock at 12:30 the next call
does not hear it."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from allo.auth.roles import Role
from allo.db.models import CallOutcome
from allo.rules.topical import prompt_name
from tests.e2e.e2e_rows import wait_call_row
from tests.e2e.queue_kit import queued_then_hung_up

pytestmark = pytest.mark.e2e

TEXT = "Pour la prime de Noël, consultez le site service-public.fr."
AFTER_END = "2026-11-23T12:30:00"


async def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def loaded_version(service) -> int:
    return int(httpx.get(f"{service.base_url}/api/rules/version", headers=service.headers(Role.OPS),
                         timeout=5).json()["version"])


async def queued_call(test_settings, ami_watch, caller: str):
    """A citizen pressing 1 after the welcome (during the topical message when there is one); the row once queued
    in l1 (then hung up by AMI)."""
    ami_watch.events.clear()  # wait_for looks at every event received: only this call's
    joined = await queued_then_hung_up(test_settings, ami_watch, caller=caller, keys="1@5500")
    return await wait_call_row(test_settings, joined.uniqueid, until={CallOutcome.QUEUED, CallOutcome.ABANDONED})


async def test_heard_while_live_not_after_its_end(test_settings, running_service, allo_service, asterisk, ami_watch):
    ops = httpx.Client(base_url=running_service.base_url, headers=running_service.headers(Role.OPS), timeout=30)
    start = ops.get("/api/rules/current").json()
    try:
        reply = ops.post("/api/rules/topical", json={"text": TEXT, "ends": "2026-11-23T12:00"})
        assert reply.status_code == 201, reply.text
        rules_version = reply.json()["rules_version"]
        await wait_until(lambda: loaded_version(running_service) >= rules_version, "rules not loaded")
        sound = asterisk.sounds_dir / "fr" / f"{prompt_name(TEXT)}.wav"
        await wait_until(sound.exists, "the topical message was not synthesised")

        heard = await queued_call(test_settings, ami_watch, "0655000941")
        assert f"topical message {prompt_name(TEXT)}" in (heard.trace or [])
        played = (heard.menu_trace or "").split(";")[0]
        assert played.startswith(f"played=allo/bienvenue,{prompt_name(TEXT)},"), played
        # 1 pressed 5.5 s in: during the message (welcome 3.1 s), it is the main menu's choice at once
        assert "key 1 during the topical message" in (heard.trace or []), heard.trace
        assert heard.rules_version == rules_version

        allo_service.stop()
        allo_service.fixed_now = AFTER_END  # running_service puts the default clock back for the next test
        allo_service.start()
        after = await queued_call(test_settings, ami_watch, "0655000942")
        assert prompt_name(TEXT) not in (after.menu_trace or "")
        assert not any(line.startswith("topical message") for line in after.trace or [])
        assert after.route_queue == "l1"
    finally:
        if ops.get("/api/rules/current").json()["document"] != start["document"]:
            back = ops.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert back.status_code == 200, back.text
        ops.close()
