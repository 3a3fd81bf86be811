"""Issue 15, degraded mode: with our service stopped, the dialplan alone keeps the promise of the opening hours.

Real Asterisk, SIPp and PostgreSQL. Tests cannot move Asterisk's clock: they publish the hours they need (an
exceptional closure of today, or an always-open calendar), wait until the dialplan has the fallback hours of that
version, stop `allo serve`, call, and put everything back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from acd.ami.client import AmiClient
from acd.ami.events import QueueCallerJoin, QueueCallerLeave, QueueMember
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance
from allo.setup.service_process import ServiceProcess
from tests.e2e.ami_kit import AmiWatch
from tests.hours_kit import ALWAYS_OPEN, closed_today, published

pytestmark = pytest.mark.e2e

ENDS_WITHIN_S = 60.0


class LogTail:
    """The lines Asterisk adds to messages.log from now on."""

    def __init__(self, asterisk: AsteriskInstance) -> None:
        self.path: Path = asterisk.host_path(f"{asterisk.log_dir}/messages.log")
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def lines(self) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace").splitlines()

    def said(self, what: str) -> list[str]:
        """The prompts of the fallback's message, as logged by the dialplan: `what` is "fallback while the line
        is closed" or "fallback, no adviser"."""
        line = next((line for line in self.lines() if what in line and "saying " in line), None)
        assert line is not None, "\n".join(self.lines()[-30:])
        return line.split("saying ", 1)[1].strip().split("&")


@contextmanager
def published_then_down(service: ServiceProcess, asterisk: AsteriskInstance, edits: list[dict[str, object]],
                        comment: str) -> Iterator[None]:
    """Publish `edits`, wait for the dialplan's hours of that version, stop the service; afterwards start it
    again and put back the rules it had."""
    with published(service, asterisk, edits, comment):
        service.stop()
        yield


async def call_until_hung_up(sip_port: int, caller: str) -> float:
    """A citizen who presses nothing; seconds until Asterisk hung up (SIPp received the BYE)."""
    started = time.monotonic()
    citizen = sipp.citizen(sip_port, caller=caller, timeout_s=120).start()
    try:
        result = await asyncio.to_thread(citizen.wait, 130)
    finally:
        citizen.stop()
    assert result.ok, result.log
    return time.monotonic() - started


async def log_out_everyone(ami: AmiClient, queue: str = "l1") -> None:
    for member in [e for e in await ami.queue_status(queue) if isinstance(e, QueueMember)]:
        await ami.queue_remove(queue, member.interface)


async def test_service_down_and_line_closed_the_caller_hears_when_it_reopens_then_asterisk_hangs_up(
        test_settings, running_service, asterisk, ami_watch: AmiWatch):
    with published_then_down(running_service, asterisk, closed_today(), "test: fermeture du jour"):
        log = LogTail(asterisk)
        seen = len(ami_watch.events)
        lasted = await call_until_hung_up(test_settings.sip_port, "0655000001")
        said = log.said("fallback while the line is closed")
        print(f"[degraded] closed line, service down: hung up after {lasted:.1f} s, said {said}")
        assert lasted <= ENDS_WITHIN_S
        assert said[0] == "allo/service-ferme" and said[-2:] == ["allo/site-internet", "allo/au-revoir"]
        assert "allo/mots/rouvrira" in said, said  # when the line reopens
        assert any("fallback message said (SUCCESS)" in line for line in log.lines())
        assert not [e for e in ami_watch.events[seen:] if isinstance(e, QueueCallerJoin)], "a closed line queued"


async def test_service_down_line_open_and_nobody_logged_in_the_caller_is_told_then_hung_up(
        test_settings, running_service, asterisk, ami_watch: AmiWatch):
    with published_then_down(running_service, asterisk, ALWAYS_OPEN, "test: toujours ouvert"):
        await log_out_everyone(ami_watch.client)
        log = LogTail(asterisk)
        seen = len(ami_watch.events)
        lasted = await call_until_hung_up(test_settings.sip_port, "0655000002")
        said = log.said("fallback, no adviser")
        print(f"[degraded] open line, nobody logged in, service down: hung up after {lasted:.1f} s, said {said}")
        assert lasted <= ENDS_WITHIN_S
        assert said == ["allo/conseillers-indisponibles", "allo/au-revoir"]
        assert not [e for e in ami_watch.events[seen:] if isinstance(e, QueueCallerJoin)]


async def test_service_down_line_open_the_caller_waits_in_level1_at_most_the_fallback_wait(
        test_settings, running_service, asterisk, ami_watch: AmiWatch, l1_agent):
    """An adviser logged in whose phone does not answer: the caller waits in l1, then hears the announced end. The
    longest wait (15 min by default) is shortened to 4 s through the dialplan's global for the test."""
    ami = ami_watch.client
    with published_then_down(running_service, asterisk, ALWAYS_OPEN, "test: toujours ouvert"):
        default = (await ami.action("Getvar", {"Variable": "ALLO_FALLBACK_WAIT"})).fields.get("Value")
        assert default == str(round(test_settings.fallback_max_wait_minutes * 60))
        await ami.action("Setvar", {"Variable": "ALLO_FALLBACK_WAIT", "Value": "4"})
        try:
            log = LogTail(asterisk)
            seen = len(ami_watch.events)
            lasted = await call_until_hung_up(test_settings.sip_port, "0655000003")
        finally:
            await ami.action("Setvar", {"Variable": "ALLO_FALLBACK_WAIT", "Value": str(default)})
        events = ami_watch.events[seen:]
        joined = next(e for e in events if isinstance(e, QueueCallerJoin) and e.queue == "l1")
        left = next(e for e in events if isinstance(e, QueueCallerLeave) and e.uniqueid == joined.uniqueid)
        said = log.said("fallback, no adviser")
        print(f"[degraded] open line, adviser not answering, service down: hung up after {lasted:.1f} s")
        assert left.queue == "l1"
        assert said == ["allo/conseillers-indisponibles", "allo/au-revoir"]
        assert any("queue status 'TIMEOUT'" in line for line in log.lines())
        assert lasted <= ENDS_WITHIN_S
