"""The satisfaction survey in end-to-end tests: its share set in the live rules, its rows, when to press keys."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.after_call_models import SurveyResponse
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance
from allo.setup.prompt_durations import read_durations
from tests.hours_kit import wait_dialplan_hours


async def _set_share(settings: Settings, asterisk: AsteriskInstance, enabled: bool, one_in: int) -> None:
    """Write the rules table (the rules editor's part is another task's): its trigger bumps the rules version,
    and the service's reload of that version shows in Asterisk's rendered fallback hours."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE survey_settings SET enabled = :e, one_in = :n WHERE id = 1"),
                               {"e": enabled, "n": one_in})
            version = await conn.scalar(text("SELECT version FROM rules_meta WHERE id = 1"))
    finally:
        await engine.dispose()
    await asyncio.to_thread(wait_dialplan_hours, asterisk, int(version))


@asynccontextmanager
async def survey_share(settings: Settings, asterisk: AsteriskInstance, *, enabled: bool = True,
                       one_in: int = 1) -> AsyncIterator[None]:
    """The live rules survey `one_in` calls (or none); the share the tests run with put back afterwards (off:
    tests/conftest.py)."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            before = (await conn.execute(text("SELECT enabled, one_in FROM survey_settings WHERE id = 1"))).one()
    finally:
        await engine.dispose()
    await _set_share(settings, asterisk, enabled, one_in)
    try:
        yield
    finally:
        await _set_share(settings, asterisk, before.enabled, before.one_in)


async def survey_rows(settings: Settings, call_id: str) -> list[Any]:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(SurveyResponse).where(SurveyResponse.call_id == call_id))).all())
    finally:
        await engine.dispose()


async def wait_survey_row(settings: Settings, call_id: str, status: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        rows = await survey_rows(settings, call_id)
        if rows and rows[0].status == status and rows[0].finished_at is not None:
            return rows[0]
        assert time.monotonic() < deadline, f"no finished survey row with status {status} for {call_id}: {rows}"
        await asyncio.sleep(0.2)


async def last_survey_id(settings: Settings) -> int:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT coalesce(max(id), 0) FROM survey_responses")) or 0)
    finally:
        await engine.dispose()


async def wait_survey_started(settings: Settings, after_id: int, timeout: float = 30.0) -> Any:
    """The first survey row after `after_id`, once one exists (the first question is being asked)."""
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with engine.connect() as conn:
                row = (await conn.execute(select(SurveyResponse).where(SurveyResponse.id > after_id)
                                          .order_by(SurveyResponse.id).limit(1))).first()
            if row is not None:
                return row
            assert time.monotonic() < deadline, f"no survey started in {timeout} s"
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


def survey_starts_ms(asterisk: AsteriskInstance, talk_ms: int) -> int:
    """About when, after a key pressed at once in the welcome, the survey's first question begins: the announcement,
    the connecting prompt, the adviser's talk (their sound files' lengths, from the test instance)."""
    names = ["enquete-annonce", "allo/mise-en-relation"]
    durations = read_durations(asterisk.sounds_dir, names)
    assert set(durations) == set(names), f"sound files missing: {durations}"
    return round(sum(durations.values()) * 1000) + talk_ms
