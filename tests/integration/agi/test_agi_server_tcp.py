"""AgiServer over real TCP sockets: normal sessions, hang-ups, errors (the fake Asterisk is in agi_fake_asterisk)."""

from __future__ import annotations

import contextlib
import logging

import pytest

from agi import AgiHangup, AgiSession, SessionOutcome
from tests.integration.agi.agi_fake_asterisk import (
    CALLER,
    FakeAsterisk,
    Ivr,
    RecordingObserver,
    ServerFactory,
    header_block,
    normal_call,
)

pytestmark = pytest.mark.integration


# --- normal calls ------------------------------------------------------------------------------


async def test_normal_session(make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver) -> None:
    server = await make_server()
    await normal_call(server.port, choice="3")
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    assert observer.started == 1
    assert observer.commands == ["STREAM FILE", "GET DATA", "SET VARIABLE"]
    assert ivr.choices == ["3"]
    (session,) = ivr.sessions
    assert (session.script, session.channel, session.caller_id) == ("ivr", "PJSIP/trunk-00000001", CALLER)
    assert server.active_sessions == 0


async def test_script_arguments_reach_the_handler(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    seen: list[dict[str, str]] = []

    async def menu(session: AgiSession) -> None:
        seen.append(dict(session.args))

    server = await make_server({"menu": menu})
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block(script="menu?level=2&lang=fr"))
        await fake.expect_close()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    assert seen == [{"level": "2", "lang": "fr"}]


async def test_non_utf8_header_value_does_not_end_the_call(
    make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block().replace(b"Jean Dupont", b"H\xe9l\xe8ne"))
        await fake.answer('STREAM FILE welcome ""', "200 result=0 endpos=16000")
        await fake.answer("GET DATA menu-main 3000 1", "200 result= (timeout)")
        await fake.answer('SET VARIABLE IVR_CHOICE ""', "200 result=1")
        await fake.expect_close()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    assert ivr.sessions[0].env["agi_calleridname"] == "H\ufffdl\ufffdne"
    assert ivr.choices == [""]


# --- hang-ups ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after_stream_file",
    [
        b"200 result=-1 endpos=1200\nHANGUP\n",  # what Asterisk sends when playback notices it
        b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n",
        b"200 result=-1 endpos=1200\n",  # the HANGUP line comes late, with the next command
    ],
)
async def test_hangup_mid_command(
    make_server: ServerFactory, ivr: Ivr, observer: RecordingObserver, after_stream_file: bytes
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        await fake.send(after_stream_file)
        if not after_stream_file.endswith(b"HANGUP\n") and b"511" not in after_stream_file:
            assert await fake.command() == "GET DATA menu-main 3000 1"
            await fake.send(b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n")
        await fake.dead_channel()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}
    assert ivr.choices == []
    assert ivr.sessions[0].hung_up


async def test_connection_closed_mid_command_is_a_hangup(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        await fake.send(b"HANGUP\n")
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}


async def test_hangup_sent_with_the_headers(make_server: ServerFactory, observer: RecordingObserver) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block() + b"HANGUP\n")
        await fake.expect_close()  # no command is sent to a channel known to be gone
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}


async def test_handler_that_catches_the_hangup_ends_as_hangup(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    async def polite(session: AgiSession) -> None:
        with contextlib.suppress(AgiHangup):
            await session.stream_file("welcome")
            await session.stream_file("bye")

    server = await make_server({"ivr": polite})
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        await fake.answer('STREAM FILE welcome ""', "200 result=-1 endpos=5\nHANGUP")
        await fake.dead_channel()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.HANGUP: 1}


# --- routing, handler and protocol failures ----------------------------------------------------------


async def test_unknown_script_is_logged_and_closed(
    make_server: ServerFactory, observer: RecordingObserver, caplog: pytest.LogCaptureFixture
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    with caplog.at_level(logging.WARNING, logger="agi"):
        try:
            await fake.send(header_block(script="nope?caller=0699999999"))
            await fake.expect_close()
        finally:
            await fake.close()
        assert await observer.wait_ended(1) == {SessionOutcome.NO_ROUTE: 1}
    assert "'nope'" in caplog.text
    assert CALLER not in caplog.text
    assert "0699999999" not in caplog.text


async def test_handler_exception_is_logged_without_caller_data(
    make_server: ServerFactory, observer: RecordingObserver, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(session: AgiSession) -> None:
        await session.stream_file("welcome")
        raise RuntimeError("bug in the menu")

    server = await make_server({"ivr": broken})
    fake = await FakeAsterisk.connect(server.port)
    with caplog.at_level(logging.WARNING, logger="agi"):
        try:
            await fake.send(header_block())
            await fake.answer('STREAM FILE welcome ""', "200 result=0 endpos=100")
            await fake.expect_close()
        finally:
            await fake.close()
        assert await observer.wait_ended(1) == {SessionOutcome.HANDLER_ERROR: 1}
    assert "bug in the menu" in caplog.text
    assert CALLER not in caplog.text


async def test_garbage_reply_ends_the_session(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        await fake.answer('STREAM FILE welcome ""', "garbage")
        await fake.expect_close()
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.PROTOCOL_ERROR: 1}


async def test_command_timeout_ends_the_session(
    make_server: ServerFactory, observer: RecordingObserver
) -> None:
    server = await make_server(command_timeout=0.2)
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        assert await fake.command() == 'STREAM FILE welcome ""'
        await fake.expect_close()  # never answered
    finally:
        await fake.close()
    assert await observer.wait_ended(1) == {SessionOutcome.TIMEOUT: 1}
