"""The wrap-up manager's decisions, with the AMI replaced by a recorder that plays Asterisk's QueueMemberPause back
into the live state (the real thing: tests/e2e/test_wrapup.py). The database is away here: the history and the
wrap-up row are bookkeeping, the pause goes on without them."""

from __future__ import annotations

import asyncio
from typing import Any

from acd.ami.events import parse_event
from acd.live.state import Instant, LiveState
from allo.desk.wrapup import WrapupManager
from allo.metrics import Metrics

NOW = 1_765_000_000.0
IFACE = "PJSIP/agent1001"


class AsteriskStub:
    connected = True

    def __init__(self, live: LiveState) -> None:
        self.live, self.pauses = live, []

    async def queue_pause(self, queue: str | None, interface: str, paused: bool, reason: str = "") -> None:
        self.pauses.append((interface, paused, reason))
        member(self.live, paused=paused, reason=reason, event="QueueMemberPause")


class NoDatabase:
    def begin(self) -> Any:
        raise ConnectionRefusedError

    connect = begin


def member(live: LiveState, *, paused: bool = False, reason: str = "", in_call: bool = False,
           event: str = "QueueMemberStatus") -> None:
    live.apply(parse_event({"Event": event, "Queue": "l1", "Interface": IFACE, "MemberName": "agent1001",
                            "Status": "2" if in_call else "1", "InCall": "1" if in_call else "0",
                            "Paused": "1" if paused else "0", "PausedReason": reason, "CallsTaken": "0"}))


def connect(call: str = "1.1"):
    return parse_event({"Event": "AgentConnect", "Queue": "l1", "Uniqueid": call, "Linkedid": call,
                        "Interface": IFACE, "MemberName": "agent1001", "HoldTime": "1", "RingTime": "1"})


def complete(call: str = "1.1"):
    return parse_event({"Event": "AgentComplete", "Queue": "l1", "Uniqueid": call, "Interface": IFACE,
                        "MemberName": "agent1001", "HoldTime": "1", "TalkTime": "9", "Reason": "agent"})


def manager(wrapup_s: int) -> tuple[WrapupManager, AsteriskStub, LiveState]:
    live = LiveState(lambda: Instant(0.0, NOW))
    member(live)
    ami = AsteriskStub(live)
    made = WrapupManager(NoDatabase(), ami, live, lambda _queue: wrapup_s, Metrics(),  # type: ignore[arg-type]
                         clock=lambda: NOW)
    return made, ami, live


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_paused_at_the_answer_deadline_at_the_end_lifted_at_the_deadline():
    wrapups, ami, _live = manager(1)
    wrapups.on_event(connect())
    await settle()
    assert ami.pauses == [(IFACE, True, "apres-appel/0/1.1")]
    wrapups.on_event(complete())
    await settle()
    assert ami.pauses[-1] == (IFACE, True, f"apres-appel/{int(NOW) + 1}/1.1")
    assert not await wrapups.finish("agent1001", "other.9")  # another call's wrap-up: nothing lifted
    await asyncio.wait_for(_until(lambda: ami.pauses[-1] == (IFACE, False, "")), 3)
    await wrapups.stop()


async def test_a_queue_without_wrapup_time_gives_no_pause():
    wrapups, ami, _live = manager(0)
    wrapups.on_event(connect())
    wrapups.on_event(complete())
    await settle()
    assert ami.pauses == []


async def test_an_own_pause_taken_during_the_call_is_kept_at_its_end_and_by_the_reconciler():
    wrapups, ami, live = manager(1)
    wrapups.on_event(connect())
    await settle()
    member(live, paused=True, reason="telephone", event="QueueMemberPause")  # *13 during the call
    wrapups.on_event(complete())
    await settle()
    assert ami.pauses == [(IFACE, True, "apres-appel/0/1.1")]
    assert await wrapups.reconcile() == 0 and not await wrapups.finish("agent1001", "1.1")
    await wrapups.stop()


async def test_the_reconciler_lifts_what_a_restart_left_and_keeps_a_call_in_progress():
    wrapups, ami, live = manager(5)
    member(live, paused=True, reason="apres-appel/0/9.9", in_call=True)
    assert await wrapups.reconcile() == 0  # still in that call
    member(live, paused=True, reason=f"apres-appel/{int(NOW) - 1}/9.9")
    assert await wrapups.reconcile() == 1 and ami.pauses == [(IFACE, False, "")]


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.05)
