"""AmiClient against the fake AMI server: lifecycle, resync, events, actions, failure handling."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from acd.ami import AmiClient, AmiState
from acd.ami.errors import AmiActionFailed, AmiNotConnected, AmiTimeout
from acd.ami.event_types import (
    AmiEvent,
    QueueCallerJoin,
    QueueEntry,
    QueueMember,
    QueueMemberAdded,
    QueueParams,
    UnknownEvent,
)
from tests.integration.acd.ami.fake_ami import FakeAmi

pytestmark = pytest.mark.integration

FAST = {
    "action_timeout": 0.5,
    "connect_timeout": 0.5,
    "ping_interval": 0.2,
    "ping_timeout": 0.2,
    "backoff_initial": 0.05,
    "backoff_max": 0.2,
    "boot_timeout": 0.5,
}

ClientFactory = Callable[..., AmiClient]


async def eventually(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def server() -> AsyncIterator[FakeAmi]:
    fake = FakeAmi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def make_client(server: FakeAmi) -> AsyncIterator[ClientFactory]:
    clients: list[AmiClient] = []

    def make(**overrides: Any) -> AmiClient:
        options: dict[str, Any] = {**FAST, **overrides}
        secret = options.pop("secret", server.secret)
        port = options.pop("port", server.port)
        client = AmiClient("127.0.0.1", port, server.username, secret, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await asyncio.wait_for(client.stop(), 10.0)  # a hang here must fail, not stall the suite


class Recorder:
    def __init__(self, client: AmiClient) -> None:
        self.events: list[AmiEvent] = []
        self.snapshots: list[list[AmiEvent]] = []
        client.add_listener(self.events.append)
        client.add_resync_listener(self.snapshots.append)

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


def other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}


async def test_connect_login_boot_resync_then_ready(server: FakeAmi, make_client: ClientFactory) -> None:
    client = make_client()
    recorder = Recorder(client)
    assert client.state == "disconnected"
    await client.start()
    await client.wait_ready(2.0)

    assert client.state is AmiState.READY
    assert client.connected
    assert client.reconnects == 0
    assert [fields["Action"] for fields in server.received[:2]] == ["Login", "QueueStatus"]
    login = server.actions("Login")[0]
    assert login["Username"] == "allo"
    assert login["Events"] == "on"
    assert len(recorder.snapshots) == 1
    snapshot = recorder.snapshots[0]
    assert [type(event) for event in snapshot] == [QueueParams, QueueMember, QueueEntry]
    params, member, entry = snapshot
    assert isinstance(params, QueueParams)
    assert (params.queue, params.strategy, params.completed, params.service_level_perf) == (
        "general",
        "leastrecent",
        40,
        87.5,
    )
    assert isinstance(member, QueueMember)
    assert (member.interface, member.member_name, member.status, member.paused) == (
        "PJSIP/agent1",
        "Agent One",
        1,
        False,
    )
    assert entry == QueueEntry("general", "1700000000.1", "PJSIP/trunk-00000001", 1, 42)
    assert "0612345678" not in repr(snapshot)
    assert "Dupont" not in repr(snapshot)


async def test_waits_for_fully_booted(server: FakeAmi, make_client: ClientFactory) -> None:
    server.boot_delay = 0.4
    client = make_client(boot_timeout=2.0)
    await client.start()
    await eventually(lambda: client.state is AmiState.LOGGED_IN)
    assert not server.actions("QueueStatus")
    with pytest.raises(AmiNotConnected):
        await client.action("Setvar", {"Channel": "PJSIP/x-1", "Variable": "A", "Value": "1"})
    await client.wait_ready(2.0)
    assert len(server.actions("QueueStatus")) == 1


async def test_missing_fully_booted_times_out_and_retries(
    server: FakeAmi, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server.send_fully_booted = False
    client = make_client(boot_timeout=0.2)
    await client.start()
    await eventually(lambda: server.login_attempts >= 2)
    assert client.state is not AmiState.READY
    assert "FullyBooted" in caplog.text
    server.send_fully_booted = True
    await client.wait_ready(2.0)


async def test_events_delivered_typed_and_scrubbed(
    server: FakeAmi, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()

    def broken(_event: AmiEvent) -> None:
        raise RuntimeError("listener bug")

    client.add_listener(broken)
    recorder = Recorder(client)
    await client.start()
    await client.wait_ready(2.0)
    server.emit(
        {
            "Event": "QueueCallerJoin",
            "Privilege": "agent,all",
            "Channel": "PJSIP/trunk-00000002",
            "CallerIDNum": "0699999999",
            "CallerIDName": "Marie Curie",
            "Uniqueid": "1700000000.2",
            "Linkedid": "1700000000.2",
            "Queue": "general",
            "Position": "2",
            "Count": "2",
        }
    )
    server.emit({"Event": "Newchannel", "Channel": "PJSIP/x", "CallerIDNum": "0699999999"})
    await eventually(lambda: len(recorder.events) >= 2)
    joins = recorder.of_type(QueueCallerJoin)
    assert joins == [QueueCallerJoin("general", "1700000000.2", "1700000000.2", "PJSIP/trunk-00000002", 2, 2)]
    unknown = recorder.of_type(UnknownEvent)
    assert unknown[0].name == "Newchannel"
    assert unknown[0].fields == {"Event": "Newchannel", "Channel": "PJSIP/x"}
    assert "listener bug" in caplog.text
    assert "0699999999" not in repr(recorder.events) + caplog.text


async def test_action_timeout_is_prompt_and_connection_survives(server: FakeAmi, make_client: ClientFactory) -> None:
    server.ignored.add("setvar")
    client = make_client(action_timeout=5.0, ping_interval=5.0)
    await client.start()
    await client.wait_ready(2.0)
    started = time.monotonic()
    with pytest.raises(AmiTimeout):
        await client.action("Setvar", {"Channel": "PJSIP/x-1", "Variable": "SECTOR", "Value": "emploi"}, timeout=0.2)
    assert time.monotonic() - started < 0.6
    assert client.state is AmiState.READY
    server.ignored.clear()
    response = await client.setvar("PJSIP/x-1", "SECTOR", "emploi")
    assert response.success


async def test_queue_add_resolves_and_member_event_follows(server: FakeAmi, make_client: ClientFactory) -> None:
    client = make_client()
    recorder = Recorder(client)
    await client.start()
    await client.wait_ready(2.0)
    response = await asyncio.wait_for(
        client.queue_add("general", "PJSIP/agent2", "Agent Two", paused=True, penalty=1), 2.0
    )
    assert response.success
    assert response.message == "Added interface to queue"
    sent = server.actions("QueueAdd")[0]
    assert (sent["Queue"], sent["Interface"], sent["MemberName"], sent["Paused"], sent["Penalty"]) == (
        "general",
        "PJSIP/agent2",
        "Agent Two",
        "true",
        "1",
    )
    await eventually(lambda: bool(recorder.of_type(QueueMemberAdded)))
    added = recorder.of_type(QueueMemberAdded)[0]
    assert (added.interface, added.paused) == ("PJSIP/agent2", True)


async def test_other_helpers_send_expected_actions(server: FakeAmi, make_client: ClientFactory) -> None:
    client = make_client()
    await client.start()
    await client.wait_ready(2.0)
    await client.queue_pause(None, "PJSIP/agent1", True, "lunch")
    await client.queue_remove("general", "PJSIP/agent1")
    await client.blind_transfer("PJSIP/agent1-0001", "transfers", "200")
    await client.originate(
        "PJSIP/agent1", "callbacks", "100", variables={"ALLO_CALL_ID": "abc", "SECTOR": "x"}, timeout=20
    )
    pause = server.actions("QueuePause")[0]
    assert (pause["Interface"], pause["Paused"], pause["Reason"]) == ("PJSIP/agent1", "true", "lunch")
    assert "Queue" not in pause
    originate = server.actions("Originate")[0]
    assert originate["Variable"] == "ALLO_CALL_ID=abc\nSECTOR=x"
    assert (originate["Timeout"], originate["Async"]) == ("20000", "true")
    assert server.actions("BlindTransfer")[0]["Exten"] == "200"
    assert len(await client.queue_status("general")) == 3
    assert await client.queue_status("nope") == []


async def test_action_failed_and_list_action_error(server: FakeAmi, make_client: ClientFactory) -> None:
    server.failing["queueremove"] = "Unable to remove interface: Not there"
    client = make_client()
    await client.start()
    await client.wait_ready(2.0)
    with pytest.raises(AmiActionFailed) as failure:
        await client.queue_remove("general", "PJSIP/ghost")
    assert failure.value.response.message == "Unable to remove interface: Not there"
    assert not failure.value.response.success
    # panoramisk alone never resolves a list action answered with an error
    with pytest.raises(AmiActionFailed):
        await asyncio.wait_for(client.list_action("NoSuchList", complete_event="NoSuchListComplete"), 2.0)


async def test_not_started_client_refuses_actions(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(AmiNotConnected):
        await client.action("Ping")
    with pytest.raises(AmiTimeout):
        await client.wait_ready(0.05)


async def test_dropped_connection_reconnects_and_resyncs(server: FakeAmi, make_client: ClientFactory) -> None:
    client = make_client()
    recorder = Recorder(client)
    await client.start()
    await client.wait_ready(2.0)
    await server.drop_connections()
    await eventually(lambda: len(recorder.snapshots) == 2)
    assert client.state is AmiState.READY
    assert client.reconnects == 1
    assert server.connections_total == 2
    # listeners survive the reconnection
    server.emit({"Event": "Hangup", "Uniqueid": "1.1", "Linkedid": "1.1", "Channel": "c", "Cause": "16"})
    await eventually(lambda: any(getattr(event, "cause", None) == 16 for event in recorder.events))


async def test_shutdown_event_triggers_reconnect(server: FakeAmi, make_client: ClientFactory) -> None:
    client = make_client()
    recorder = Recorder(client)
    await client.start()
    await client.wait_ready(2.0)
    server.emit({"Event": "Shutdown", "Shutdown": "Cleanly", "Restart": "True"})
    await eventually(lambda: len(recorder.snapshots) == 2)
    assert client.reconnects == 1
    assert any(isinstance(event, UnknownEvent) and event.name == "Shutdown" for event in recorder.events)


async def test_pending_action_fails_fast_when_connection_drops(server: FakeAmi, make_client: ClientFactory) -> None:
    server.delays["setvar"] = 5.0
    client = make_client(action_timeout=5.0)
    await client.start()
    await client.wait_ready(2.0)
    pending = asyncio.create_task(client.setvar("PJSIP/x-1", "A", "1"))
    await eventually(lambda: bool(server.actions("Setvar")))
    started = time.monotonic()
    await server.drop_connections()
    with pytest.raises(AmiNotConnected):
        await pending
    assert time.monotonic() - started < 1.0


async def test_reconnect_backs_off_while_server_is_down(make_client: ClientFactory) -> None:
    # The port stays bound but not listening while the server is "down": every connection attempt is refused,
    # and no other process can start listening on it meanwhile.
    down = socket.socket()
    try:
        down.bind(("127.0.0.1", 0))
        port = down.getsockname()[1]
        client = make_client(port=port, backoff_initial=0.05, backoff_max=0.4)
        await client.start()
        await asyncio.sleep(0.5)  # half a second of downtime: the elapsed time is what is under test
        # Counted, not sampled: consecutive_failures only grows while the server is down (never READY).
        failures = client.consecutive_failures
        # 0.05, 0.1, 0.2, 0.4 nominal (jittered into [d/2, d]): a handful of attempts, not a busy loop
        assert 2 <= failures <= 8
        # The client cycles DISCONNECTED (back-off, nearly all the time) -> CONNECTING (a refused connect, a few
        # ms) -> DISCONNECTED: sampling the state once can land in CONNECTING. Wait for the back-off state.
        await eventually(lambda: client.state is AmiState.DISCONNECTED, timeout=2.0)
        assert not client.connected
    finally:
        down.close()
    # The server is back on the same port: the next attempt after the current back-off gets READY.
    server = FakeAmi()
    await server.start(port)
    try:
        await client.wait_ready(3.0)
        assert client.state is AmiState.READY
        assert client.consecutive_failures == 0  # the back-off starts over after a success
        assert server.connections_total == 1
        await client.stop()
    finally:
        await server.close()


async def test_half_open_connection_detected_by_ping(
    server: FakeAmi, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client = make_client(ping_interval=0.2, ping_timeout=0.2)
    recorder = Recorder(client)
    await client.start()
    await client.wait_ready(2.0)
    server.go_silent()
    started = time.monotonic()
    await eventually(lambda: client.state is not AmiState.READY, timeout=2.0)
    detected = time.monotonic() - started
    assert detected <= 0.2 + 0.2 + 0.3  # ping_interval + ping_timeout + scheduling slack
    assert "Ping unanswered" in caplog.text
    await eventually(lambda: len(recorder.snapshots) == 2)
    assert client.reconnects == 1
    assert client.state is AmiState.READY


async def test_wrong_password_never_ready_retried_and_logged(
    server: FakeAmi, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(secret="Wr0ng-S3cret!")
    await client.start()
    with pytest.raises(AmiTimeout):
        await client.wait_ready(0.6)
    assert client.state is not AmiState.READY
    assert server.login_attempts >= 2
    refusals = [record for record in caplog.records if "login refused" in record.getMessage()]
    assert refusals
    assert refusals[0].levelno == logging.ERROR
    assert "'allo'" in refusals[0].getMessage()
    assert "Authentication failed" in refusals[0].getMessage()
    assert "Wr0ng-S3cret!" not in caplog.text
    assert "Wr0ng-S3cret!" not in repr(client)


async def test_stop_while_disconnected_is_prompt_and_leaves_no_tasks(make_client: ClientFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(port=port, backoff_initial=5.0, backoff_max=10.0)
    await client.start()
    await eventually(lambda: client.consecutive_failures >= 1)  # now sleeping before a retry
    started = time.monotonic()
    await client.stop()
    assert time.monotonic() - started < 0.5  # while the back-off sleep has seconds to go
    assert client.state is AmiState.DISCONNECTED
    assert other_tasks() == set()


async def test_stop_when_ready_logs_off_and_leaves_no_tasks(server: FakeAmi, make_client: ClientFactory) -> None:
    client = make_client()
    await client.start()
    await client.wait_ready(2.0)
    await client.stop()
    assert server.actions("Logoff")
    assert client.state is AmiState.DISCONNECTED
    await eventually(lambda: server.open_connections == 0)
    assert other_tasks() == set()
    with pytest.raises(AmiNotConnected):
        await client.action("Ping")
    # restartable
    await client.start()
    await client.wait_ready(2.0)


async def test_stop_survives_a_swallowed_cancellation(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11's wait_for can turn a cancellation into the awaited result; stop() must cope."""
    client = make_client()
    calls = 0

    async def run_connection_that_swallows_the_first_cancel() -> None:
        nonlocal calls
        calls += 1
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            if calls == 1:
                raise OSError("connect failed just as we were cancelled") from None
            raise

    monkeypatch.setattr(client, "_run_connection", run_connection_that_swallows_the_first_cancel)
    await client.start()
    await eventually(lambda: calls == 1)  # the supervisor is in its first connection attempt
    await asyncio.wait_for(client.stop(), 3.0)
    assert calls == 2
    assert other_tasks() == set()


async def test_a_login_refused_because_asterisk_is_stopping_is_a_restart_not_a_wrong_secret(
    server: FakeAmi, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server.shutting_down = True
    client = make_client()
    await client.start()
    await eventually(lambda: server.login_attempts >= 2)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "refused the login while it stops (Asterisk is shutting down)" in caplog.text
    server.shutting_down = False  # Asterisk is back
    await client.wait_ready(3.0)
    assert client.state is AmiState.READY
