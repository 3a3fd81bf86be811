"""The satisfaction survey on the phone (issue 19): a sampled caller whose adviser hangs up first stays in the
dialplan (Queue() option c) and answers two questions by keypad; hanging up is a non-answer; an unsampled caller is
hung up as before, with no row; back as a repeat caller rung directly (Dial option g), surveyed too."""

from __future__ import annotations

import asyncio
import time

import pytest

from allo.db.models import CallOutcome
from allo.setup import sipp
from tests.e2e.e2e_rows import wait_call_row, wait_history
from tests.e2e.heard_kit import heard
from tests.e2e.survey_kit import survey_rows, survey_share, survey_starts_ms, wait_survey_row

pytestmark = pytest.mark.e2e

TALK_MS = 1000
KEY_AT_MS = 1500  # in the welcome: the menu's choice (l1), the announcement still said
SURVEY = ["enquete-satisfaction", "enquete-reponse", "enquete-merci"]


def caller() -> str:
    return f"0656{time.time_ns() // 1000 % 1_000_000:06d}"  # a fresh number: no repeat caller's direct ring


async def test_a_surveyed_caller_answers_4_then_1(test_settings, running_service, asterisk, l1_agent):
    # "4" lands ~3 s into the first question (spoken, then 5 s for a key), "1" during the second one.
    first = survey_starts_ms(asterisk, TALK_MS) + 3000
    started = time.monotonic()
    async with survey_share(test_settings, asterisk, one_in=1):
        with heard(asterisk) as log:
            phone = l1_agent.answer(calls=1, talk_ms=TALK_MS)
            since = time.time()
            result = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller=caller(),
                                                          keys=f"1@{KEY_AT_MS},4@{first},1@2000").run)
            assert result.ok, result.log
            assert phone.wait(10).ok
            call = await wait_call_row(test_settings, since=since - 0.5, until=CallOutcome.COMPLETED, timeout=20)
            row = await wait_survey_row(test_settings, call.call_id, "complete")
            sounds = log.text()
    assert (row.satisfaction, row.answered, row.queue, row.agent, row.origin) == (4, True, "l1", "agent1001", "queue")
    assert row.rules_version is not None
    played = [s for s in ("allo/bienvenue", "enquete-annonce", *SURVEY) if f"'{s}." in sounds]
    assert played == ["allo/bienvenue", "enquete-annonce", *SURVEY], played
    assert "enquete-invalide" not in sounds
    print(f"[survey] surveyed call answered 4 then 1 in {time.monotonic() - started:.1f} s (share set and put back)")


async def test_a_caller_who_hangs_up_during_the_survey_leaves_a_non_answer(test_settings, running_service, asterisk,
                                                                         l1_agent):
    listen = survey_starts_ms(asterisk, TALK_MS) + 2000  # hangs up ~1 s into the first question
    async with survey_share(test_settings, asterisk, one_in=1):
        phone = l1_agent.answer(calls=1, talk_ms=TALK_MS)
        since = time.time()
        result = await asyncio.to_thread(sipp.citizen_hanging_up(test_settings.sip_port, caller=caller(),
                                                                 keys=f"1@{KEY_AT_MS}", after_ms=listen).run)
        assert result.ok, result.log
        assert phone.wait(10).ok
        call = await wait_call_row(test_settings, since=since - 0.5, until=CallOutcome.COMPLETED, timeout=20)
        row = await wait_survey_row(test_settings, call.call_id, "no_answer")
    assert (row.satisfaction, row.answered, row.agent) == (None, None, "agent1001")
    assert len(await survey_rows(test_settings, call.call_id)) == 1


async def test_unsampled_hung_up_as_before_then_back_rung_directly_and_surveyed(test_settings, running_service,
                                                                               asterisk, l1_agent):
    number = caller()
    async with survey_share(test_settings, asterisk, enabled=False):
        with heard(asterisk) as log:
            phone = l1_agent.answer(calls=1, talk_ms=TALK_MS)
            since = time.time()
            result = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller=number,
                                                          keys=f"1@{KEY_AT_MS}", timeout_s=30).run)
            assert result.ok, result.log  # the citizen got Asterisk's BYE once the adviser hung up
            assert phone.wait(10).ok
            call = await wait_call_row(test_settings, since=since - 0.5, until=CallOutcome.COMPLETED, timeout=20)
            sounds = log.text()
    assert "enquete-" not in sounds
    assert await survey_rows(test_settings, call.call_id) == []
    # The wrap-up's pause over, the same caller is back: their adviser is rung first, outside the queue (Dial g).
    await wait_history(test_settings, call.call_id, [("wrapup_start", "system"), ("wrapup_end", "system")])
    first = survey_starts_ms(asterisk, TALK_MS) + 3000
    async with survey_share(test_settings, asterisk, one_in=1):
        phone = l1_agent.answer(calls=1, talk_ms=TALK_MS)
        since = time.time()
        result = await asyncio.to_thread(sipp.citizen(test_settings.sip_port, caller=number,
                                                      keys=f"1@{KEY_AT_MS},5@{first},2@2000").run)
        assert result.ok, result.log
        assert phone.wait(10).ok
        again = await wait_call_row(test_settings, since=since - 0.5, until=CallOutcome.COMPLETED, timeout=20)
        row = await wait_survey_row(test_settings, again.call_id, "complete")
    assert again.preferred_agent
    assert (row.satisfaction, row.answered, row.queue, row.agent, row.origin) == (5, False, "l1", "agent1001",
                                                                                  "repeat")
