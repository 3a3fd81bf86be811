"""End-to-end helpers for callbacks: the citizens' phones behind the trunk, agents, and the callback rows."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.callback_models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from allo.settings import Settings
from allo.setup import sipp
from tests.e2e.agent_kit import register_phone

_MESSAGE = re.compile(r"^INVITE sip:(\d+)@.*?^Call-ID:\s*(\S+)", re.MULTILINE | re.DOTALL | re.IGNORECASE)


class CitizenPhones:
    """One SIPp UAS standing for every citizen's phone: numbers 07… ring unanswered, the others pick up."""

    def __init__(self, sip_port: int, port: int, log: Path) -> None:
        self.log = log
        self.sipp = sipp.Sipp("citizen-phone.xml", sipp.sip_target(sip_port), calls=1000, port=port, timeout_s=300,
                              extra=["-message_file", str(log)])

    def start(self) -> CitizenPhones:
        self.sipp.start()
        return self

    def stop(self) -> None:
        self.sipp.stop()

    def invites(self) -> dict[str, set[str]]:
        """Number -> distinct Call-IDs of the INVITEs received (retransmissions count once)."""
        calls: dict[str, set[str]] = defaultdict(set)
        if not self.log.exists():
            return calls
        for block in self.log.read_text(errors="replace").split("-----------------------------------------------"):
            if "message received" not in block:
                continue
            match = _MESSAGE.search(block)
            if match:
                calls[match.group(1)].add(match.group(2))
        return calls

    async def wait_invites(self, number: str, count: int = 1, timeout: float = 20.0) -> float:
        """Seconds (monotonic) at which `number` had received `count` calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.invites().get(number, ())) >= count:
                return time.monotonic()
            await asyncio.sleep(0.05)
        raise AssertionError(f"{number} received {len(self.invites().get(number, ()))} call(s), wanted {count}")


@asynccontextmanager
async def agents_in_l1(settings: Settings, passwords: dict[str, str], ami: object, usernames: list[str], *,
                       calls: int = 1, talk_ms: int = 8000, until_bye: bool = False,
                       log_in: bool = True) -> AsyncIterator[list[sipp.Sipp]]:
    """Agents registered from SIPp phones and ready to answer; added to l1 now (or by the test when log_in=False)."""
    phones = []
    try:
        for username in usernames:
            port = await register_phone(settings, username, passwords[username])
            if until_bye:
                phone = sipp.Sipp("agent-transferred.xml", sipp.sip_target(settings.sip_port), calls=calls,
                                  port=port, timeout_s=120)
            else:
                phone = sipp.agent(settings.sip_port, port, calls=calls, talk_ms=talk_ms)
            phones.append(phone.start())
            if log_in:
                await ami.queue_add("l1", f"PJSIP/{username}", username)  # type: ignore[attr-defined]
        yield phones
    finally:
        for username in usernames:
            with contextlib.suppress(Exception):  # not logged in
                await ami.queue_remove("l1", f"PJSIP/{username}")  # type: ignore[attr-defined]
        for phone in phones:
            phone.stop()


async def callback_rows(settings: Settings, public_id: str) -> tuple[Callback, list[CallbackAttempt]]:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(Callback).where(Callback.public_id == public_id))).one()
            attempts = (await conn.execute(select(CallbackAttempt).where(CallbackAttempt.callback_id == row.id)
                                           .order_by(CallbackAttempt.attempt_no))).all()
    finally:
        await engine.dispose()
    return row, list(attempts)  # type: ignore[arg-type]


async def wait_status(settings: Settings, public_id: str, wanted: CallbackStatus,
                      timeout: float = 30.0) -> tuple[Callback, list[CallbackAttempt]]:
    deadline = time.monotonic() + timeout
    while True:
        row, attempts = await callback_rows(settings, public_id)
        if row.status == wanted:
            return row, attempts
        if time.monotonic() > deadline:
            raise AssertionError(f"callback {public_id} is {row.status}, not {wanted}: {attempts}")
        await asyncio.sleep(0.2)


async def wait_attempt(settings: Settings, public_id: str, wanted: AttemptOutcome,
                       timeout: float = 20.0) -> CallbackAttempt:
    """The callback's latest attempt once it has reached `wanted`."""
    deadline = time.monotonic() + timeout
    while True:
        _row, attempts = await callback_rows(settings, public_id)
        if attempts and attempts[-1].outcome == wanted:
            return attempts[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"callback {public_id}: attempts {attempts}, none {wanted}")
        await asyncio.sleep(0.1)
