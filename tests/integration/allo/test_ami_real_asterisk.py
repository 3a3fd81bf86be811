"""Our AMI client against the real Asterisk 22: login, FullyBooted, QueueStatus resync, restart (members forgotten:
persistentmembers = no)."""

from __future__ import annotations

import asyncio

import pytest

from acd.ami.client import AmiClient
from acd.ami.events import SUBSCRIBED_EVENTS, Hangup, QueueMember, QueueParams, UnknownEvent
from acd.live.state import LiveState, system_clock

pytestmark = pytest.mark.integration


async def _wait(predicate, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_ami_reconnects_after_asterisk_restart_and_resynchronises_asterisk_forgetting_members(
        test_settings, asterisk):
    client = AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                       test_settings.ami_secret.get_secret_value(), backoff_initial=0.2, backoff_max=1.0,
                       ping_interval=1.0, ping_timeout=1.0)
    snapshots: list[list] = []
    live = LiveState(system_clock)
    client.add_resync_listener(lambda snapshot: (snapshots.append(list(snapshot)), live.resync(snapshot)))
    client.add_listener(live.apply)
    await client.start()
    try:
        await client.wait_ready(15)
        first = snapshots[-1]
        queues = {e.queue for e in first if isinstance(e, QueueParams)}
        assert {"l1", "l2-travail", "l2-logement"} <= queues

        # A member added now over AMI is NOT kept by Asterisk (persistentmembers = no): PostgreSQL holds the
        # advisers' desired state and allo's reconciler adds them back (tests/e2e/test_agent_reconciler.py).
        await client.queue_add("l1", "PJSIP/agent1002", "agent1002", paused=True)
        await _wait(lambda: "PJSIP/agent1002" in str(live.to_dict()), 5, "member in live state")

        reconnects = client.reconnects
        asterisk.stop()
        await _wait(lambda: not client.connected, 10, "disconnect noticed")
        live.resync([])  # forget, so that only the resync after the restart can bring the member back
        asterisk.start()
        await client.wait_ready(20)
        await _wait(lambda: len(snapshots) >= 2, 10, "second resync")
        assert client.reconnects > reconnects
        after = snapshots[-1]
        assert {e.queue for e in after if isinstance(e, QueueParams)} == queues
        assert not [e for e in after if isinstance(e, QueueMember) and e.interface == "PJSIP/agent1002"]
        assert "PJSIP/agent1002" not in str(live.to_dict())
        # Actions work on the new connection.
        status = await client.queue_status("l1")
        assert any(isinstance(e, QueueParams) and e.queue == "l1" for e in status)
    finally:
        await client.stop()


async def test_event_filter_keeps_only_the_subscribed_events_and_list_answers(test_settings, asterisk):
    """The service's session asks Asterisk for SUBSCRIBED_EVENTS only (AMI Filter); QueueStatus answers still come."""
    def client(**options) -> AmiClient:
        return AmiClient(test_settings.ami_host, test_settings.ami_port, test_settings.ami_username,
                         test_settings.ami_secret.get_secret_value(), **options)

    filtered, unfiltered = client(events=SUBSCRIBED_EVENTS), client()
    seen: dict[str, list] = {"filtered": [], "unfiltered": []}
    snapshots: list[list] = []
    filtered.add_listener(seen["filtered"].append)
    unfiltered.add_listener(seen["unfiltered"].append)
    filtered.add_resync_listener(snapshots.append)
    await filtered.start()
    await unfiltered.start()
    try:
        await filtered.wait_ready(15)
        await unfiltered.wait_ready(15)
        assert {e.queue for e in snapshots[-1] if isinstance(e, QueueParams)} >= {"l1", "l2-travail"}
        seen["filtered"].clear()
        seen["unfiltered"].clear()
        # A Local channel into an unknown number of from-trunk: Newchannel, Newstate..., then Hangup.
        await filtered.action("Originate", {"Channel": "Local/12345@from-trunk", "Application": "Wait",
                                            "Data": "1", "Async": "true"})

        def hangups(name: str) -> set[str]:
            return {e.uniqueid for e in seen[name] if isinstance(e, Hangup) and "12345@from-trunk" in e.channel}

        await _wait(lambda: len(hangups("unfiltered")) == 2 and len(hangups("filtered")) == 2, 10, "both hang-ups")
        assert hangups("filtered") == hangups("unfiltered")
        names = {name: {type(e).__name__ if not isinstance(e, UnknownEvent) else e.name for e in seen[name]}
                 for name in seen}
        assert "Newchannel" in names["unfiltered"]
        # manager.conf's disabledevents: never generated, for any session (NoOp and Hangup ran in the dialplan).
        assert not {"Newexten", "VarSet"} & names["unfiltered"], names["unfiltered"]
        assert names["filtered"] <= set(SUBSCRIBED_EVENTS), names["filtered"]
        assert len(seen["filtered"]) < len(seen["unfiltered"]) / 2
        # Actions and list actions still answer on the filtered session.
        assert any(isinstance(e, QueueParams) and e.queue == "l1" for e in await filtered.queue_status("l1"))
    finally:
        await filtered.stop()
        await unfiltered.stop()
