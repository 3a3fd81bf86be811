"""The survey after a callback (issue 19): the citizen is the called party of the callback's Dial; sampled on the
Originate, they hear the announcement after rappel-bonjour and, when the adviser hangs up first, Dial's F() takes
them to the survey. They hang up during it: the row stays, a non-answer."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.setup import sipp
from allo.setup.prompt_durations import read_durations
from tests.e2e.callback_kit import CitizenPhones, agents_in_l1
from tests.e2e.heard_kit import heard
from tests.e2e.survey_kit import last_survey_id, survey_share, wait_survey_row, wait_survey_started

pytestmark = pytest.mark.e2e


@pytest.fixture
def callback_service(allo_service):
    """`allo serve` dialling callbacks to the citizens' phones (the same env as tests/e2e/test_callbacks.py, so that
    both files share one restart)."""
    port = sipp.free_port()
    env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{port}",
           "ALLO_CALLBACK_RETRY_MINUTES": str(2.0 / 60), "ALLO_CALLBACK_RING_SECONDS": "2",
           "ALLO_CALLBACK_POLL_INTERVAL": "0.3", "ALLO_CALLBACK_GRACE_SECONDS": "3"}
    allo_service.stop()
    allo_service.env = env
    allo_service.fixed_now = allo_service.DEFAULT_NOW
    allo_service.start()
    return allo_service, port


async def test_a_sampled_callback_is_announced_and_surveyed_when_the_adviser_hangs_up(
        test_settings, callback_service, asterisk, ami_watch, demo_passwords, tmp_path):
    service, port = callback_service
    # The adviser hangs up once the citizen has been greeted and told of the survey (their prompts' lengths), + 2 s.
    prompts = ["allo/rappel-conseiller", "allo/rappel-bonjour", "enquete-annonce"]
    durations = read_durations(asterisk.sounds_dir, prompts)
    assert set(durations) == set(prompts), durations
    talk_ms = round(sum(durations.values()) * 1000) + 2000
    before = await last_survey_id(test_settings)
    phones = CitizenPhones(test_settings.sip_port, port, tmp_path / "citizen-phones.log").start()
    try:
        async with survey_share(test_settings, asterisk, one_in=1), \
                agents_in_l1(test_settings, demo_passwords, ami_watch.client, ["agent1002"],
                             talk_ms=talk_ms) as (agent,):
            with heard(asterisk) as log:
                async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as client:
                    booked = await client.post("/api/callbacks", json={"phone": "06 11 22 33 55", "consent": True})
                    assert booked.status_code == 201, booked.text
                await phones.wait_invites("0611223355", 1, timeout=20)
                assert (await asyncio.to_thread(agent.wait, 30)).ok  # the adviser hung up first
                started = await wait_survey_started(test_settings, before)
                await log.wait_for("PJSIP/trunk-", lambda s: "enquete-satisfaction" in s, prefix=True)
                heard_by_citizen = log.sounds("PJSIP/trunk-", prefix=True)
                asterisk.cli("channel request hangup all")  # the citizen hangs up during the first question
                row = await wait_survey_row(test_settings, started.call_id, "no_answer")
    finally:
        phones.stop()
    assert heard_by_citizen[:2] == ["allo/rappel-bonjour", "enquete-annonce"], heard_by_citizen
    assert (row.origin, row.agent, row.satisfaction, row.answered) == ("callback", "agent1002", None, None)
    # The row's call is the callback's own (the waiting half's id, recorded as a callback call).
    engine = create_async_engine(test_settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            dialled = await conn.scalar(text("SELECT dialled FROM calls WHERE call_id = :c"), {"c": row.call_id})
    finally:
        await engine.dispose()
    assert dialled == "callback"
