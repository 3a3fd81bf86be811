"""Back-off, action builders, listeners and the panoramisk adapter pieces (no sockets)."""

from __future__ import annotations

import logging
import random

import pytest
from panoramisk.message import Message

from acd.ami import commands
from acd.ami.backoff import Backoff
from acd.ami.connection import _fail_pending, _ListAction, message_fields
from acd.ami.errors import AmiActionFailed, AmiError, AmiNotConnected, AmiTimeout
from acd.ami.listeners import Listeners
from acd.errors import AcdError


def test_backoff_grows_caps_jitters_and_resets() -> None:
    backoff = Backoff(0.5, 4.0, random.Random(1))
    delays = [backoff.next_delay() for _ in range(8)]
    nominals = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    for delay, nominal in zip(delays, nominals, strict=True):
        assert nominal / 2 <= delay <= nominal
    assert len(set(delays)) == len(delays)  # jittered
    assert backoff.attempt == 8
    backoff.reset()
    assert backoff.attempt == 0
    assert backoff.nominal() == 0.5
    for _ in range(2000):
        backoff.next_delay()
    assert backoff.nominal() == 4.0


@pytest.mark.parametrize(("initial", "maximum"), [(0.0, 1.0), (-1.0, 1.0), (2.0, 1.0)])
def test_backoff_rejects_bad_bounds(initial: float, maximum: float) -> None:
    with pytest.raises(ValueError, match="back-off"):
        Backoff(initial, maximum)


def test_error_hierarchy() -> None:
    for kind in (AmiError, AmiTimeout, AmiNotConnected, AmiActionFailed):
        assert issubclass(kind, AcdError)
    for kind in (AmiTimeout, AmiNotConnected, AmiActionFailed):
        assert issubclass(kind, AmiError)


def test_build_action_refuses_header_injection() -> None:
    assert commands.build_action("Ping") == {"Action": "Ping"}
    with pytest.raises(AmiError):
        commands.build_action("Setvar", {"Value": "x\r\nAction: Originate"})
    with pytest.raises(AmiError):
        commands.build_action("Setvar", {"Bad Key": "x"})
    with pytest.raises(AmiError):
        commands.build_action("Setvar", {"Action": "Originate"})
    with pytest.raises(AmiError):
        commands.build_action("Ping\r\nAction: Originate")
    with pytest.raises(AmiError):
        commands.originate("PJSIP/a", "ctx", "1", variables={"A": "1\n"})
    with pytest.raises(AmiError):
        commands.originate("PJSIP/a", "ctx", "1", variables={"A=B": "1"})


def test_action_builders() -> None:
    assert commands.login("allo", "pw") == {
        "Action": "Login",
        "Username": "allo",
        "Secret": "pw",
        "Events": "on",
    }
    assert commands.queue_status(None) == {"Action": "QueueStatus"}
    assert commands.queue_status("general") == {"Action": "QueueStatus", "Queue": "general"}
    assert commands.queue_add("q", "PJSIP/a", "A", state_interface="PJSIP/a") == {
        "Action": "QueueAdd",
        "Queue": "q",
        "Interface": "PJSIP/a",
        "MemberName": "A",
        "Paused": "false",
        "Penalty": "0",
        "StateInterface": "PJSIP/a",
    }
    assert commands.queue_remove("q", "PJSIP/a") == {
        "Action": "QueueRemove",
        "Queue": "q",
        "Interface": "PJSIP/a",
    }
    assert commands.queue_pause("q", "PJSIP/a", False) == {
        "Action": "QueuePause",
        "Interface": "PJSIP/a",
        "Paused": "false",
        "Queue": "q",
    }
    assert commands.originate("PJSIP/a", "ctx", "100", 2, timeout=1.5, run_async=False, caller_id="3939") == {
        "Action": "Originate",
        "Channel": "PJSIP/a",
        "Context": "ctx",
        "Exten": "100",
        "Priority": "2",
        "Timeout": "1500",
        "Async": "false",
        "CallerID": "3939",
    }
    assert commands.blind_transfer("c", "ctx", "200") == {
        "Action": "BlindTransfer",
        "Channel": "c",
        "Context": "ctx",
        "Exten": "200",
    }
    assert commands.setvar("c", "SECTOR", "x") == {
        "Action": "Setvar",
        "Channel": "c",
        "Variable": "SECTOR",
        "Value": "x",
    }


def test_listeners_isolate_failures(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[int] = []

    def boom(_item: int) -> None:
        raise RuntimeError("boom")

    listeners: Listeners[int] = Listeners("test")
    listeners.add(boom)
    listeners.add(seen.append)
    with caplog.at_level(logging.ERROR):
        listeners.notify(1)
    assert seen == [1]
    assert "boom" in caplog.text
    listeners.remove(boom)
    listeners.remove(boom)  # no error
    assert len(listeners) == 1


def test_message_fields_flattens_repeated_headers() -> None:
    message = Message.from_line("Event: Foo\r\nChanVariable: A=1\r\nChanVariable: B=2\r\nQueue: q")
    assert message_fields(message) == {"Event": "Foo", "ChanVariable": "A=1\nB=2", "Queue": "q"}


async def test_list_action_resolves_on_its_complete_event_only() -> None:
    action = _ListAction({"Action": "QueueStatus"}, "QueueStatusComplete")
    assert not action.add_message(Message({"Response": "Success", "EventList": "start"}))
    assert not action.add_message(Message({"Event": "QueueParams"}))
    assert not action.add_message(Message({"Event": "OtherListComplete"}))
    assert action.add_message(Message({"Event": "QueueStatusComplete"}))
    result = await action.future
    assert [message.get("event") or message.get("response") for message in result] == [
        "Success",
        "QueueParams",
        "OtherListComplete",
        "QueueStatusComplete",
    ]


async def test_list_action_resolves_on_error_response() -> None:
    action = _ListAction({"Action": "QueueStatus"}, "QueueStatusComplete")
    assert action.add_message(Message({"Response": "Error", "Message": "Permission denied"}))
    (response,) = await action.future
    assert response["Message"] == "Permission denied"


async def test_fail_pending_fails_each_future_once_without_unretrieved_warnings() -> None:
    first = _ListAction({"Action": "QueueStatus"}, "QueueStatusComplete")
    second = _ListAction({"Action": "Ping"}, "PingComplete")
    second.future.set_result([])
    responses = {first.id: first, "alias": first, second.id: second}
    _fail_pending(responses)
    assert responses == {}
    with pytest.raises(AmiNotConnected, match="QueueStatus"):
        await first.future
    assert await second.future == []
