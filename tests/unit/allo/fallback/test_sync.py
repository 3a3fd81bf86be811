"""The fallback's hours follow the rules and the date: written and reloaded on a change only, retried after a
failed reload."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from acd.ami.errors import AmiNotConnected
from allo.fallback.sync import FILE, FallbackHours
from routing.calendar_types import PARIS
from routing.rules import RulesSnapshot, Service
from routing.service_hours import general_calendar


class FakeAmi:
    def __init__(self) -> None:
        self.actions: list[tuple[str, dict[str, str]]] = []
        self.down = False

    async def action(self, name: str, fields: dict[str, str]) -> None:
        if self.down:
            raise AmiNotConnected("AMI down")
        self.actions.append((name, fields))


class Target:
    etc_dir = "/etc/allo/t"

    def __init__(self, root: Path) -> None:
        self.root = root

    def host_path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def write_conf(self, name: str, text: str) -> None:
        path = self.host_path(f"{self.etc_dir}/{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def rules(version: int) -> RulesSnapshot:
    calendar = general_calendar()
    return RulesSnapshot(version=version, services={"general": Service("general", "Allô", "general", 1, "l1")},
                         calendars={"general": calendar}, sectors={}, menus={})


async def test_written_and_reloaded_on_a_new_version_or_a_new_day_only(tmp_path: Path):
    now = [datetime(2026, 12, 7, 9, tzinfo=PARIS)]
    ami, target = FakeAmi(), Target(tmp_path)
    sync = FallbackHours(ami, target, lambda _next, _now: ["allo/mots/rouvrira"], clock=lambda: now[0])
    sync._rules = rules(3)
    assert await sync.sync() is True
    assert ami.actions == [("Reload", {"Module": "pbx_config.so"})]
    text = target.host_path(f"{target.etc_dir}/{FILE}").read_text()
    assert "rules version 3 from 2026-12-07" in text and "exten => 20261207,1," in text
    now[0] += timedelta(minutes=70)  # the hourly refresh, same day: nothing to reload
    assert await sync.sync() is False and len(ami.actions) == 1
    now[0] += timedelta(days=1)
    assert await sync.sync() is True and "exten => 20261221,1," in target.host_path(
        f"{target.etc_dir}/{FILE}").read_text()
    sync._rules = rules(4)
    assert await sync.sync() is True and sync.rendered_version == 4 and len(ami.actions) == 3


async def test_a_failed_reload_is_owed_and_done_on_the_next_try(tmp_path: Path):
    ami, target = FakeAmi(), Target(tmp_path)
    sync = FallbackHours(ami, target, lambda _next, _now: [], clock=lambda: datetime(2026, 12, 7, tzinfo=PARIS))
    sync._rules = rules(5)
    ami.down = True
    with pytest.raises(AmiNotConnected):
        await sync.sync()
    ami.down = False
    assert await sync.sync() is True, "the file was already written, but Asterisk never reloaded it"
    assert ami.actions == [("Reload", {"Module": "pbx_config.so"})]


async def test_nothing_without_an_asterisk_on_this_machine():
    sync = FallbackHours(FakeAmi(), None, lambda _next, _now: [])
    sync._rules = rules(1)
    assert await sync.sync() is False
