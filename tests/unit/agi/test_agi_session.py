"""AgiSession against a fake sink that plays Asterisk's part through the event queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from agi import (
    AgiClosed,
    AgiCommandError,
    AgiHangup,
    AgiHangupNotice,
    AgiParser,
    AgiProtocolError,
    AgiReply,
    AgiSession,
    AgiTimeout,
    Inbound,
    SessionOutcome,
)

ENV = {
    "agi_network_script": "ivr?lang=fr&retry=",
    "agi_channel": "PJSIP/trunk-00000001",
    "agi_uniqueid": "1732270000.12",
    "agi_callerid": "0612345678",
    "agi_calleridname": "Jean Dupont",
    "agi_extension": "3939",
}


def reply(line: str) -> AgiReply:
    """Parse a reply line exactly as the server would."""
    parser = AgiParser()
    parser.feed(b"agi_network: yes\n\n")
    events = parser.feed(line.encode() + b"\n")
    assert len(events) == 1
    assert isinstance(events[0], AgiReply)
    return events[0]


Answer = list[Inbound]


class FakeAsterisk:
    """A ByteSink whose every write is answered with the next scripted batch of events."""

    def __init__(self, inbox: asyncio.Queue[Inbound], answers: list[Answer] | None = None) -> None:
        self.inbox = inbox
        self.answers = list(answers or [])
        self.written: list[bytes] = []
        self.closed = False
        self.drain_error: Exception | None = None

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if self.answers:
            for item in self.answers.pop(0):
                self.inbox.put_nowait(item)

    async def drain(self) -> None:
        if self.drain_error is not None:
            raise self.drain_error

    def close(self) -> None:
        self.closed = True


class RecordingObserver:
    def __init__(self) -> None:
        self.commands: list[tuple[str, float]] = []

    def session_started(self) -> None:
        raise AssertionError("the session does not report its own start")

    def session_ended(self, outcome: SessionOutcome, seconds: float) -> None:
        raise AssertionError("the session does not report its own end")

    def command_done(self, command: str, seconds: float) -> None:
        self.commands.append((command, seconds))


SessionFactory = Callable[..., tuple[AgiSession, FakeAsterisk]]


@pytest.fixture
def make_session() -> SessionFactory:
    def make(*answers: Answer, **kwargs: object) -> tuple[AgiSession, FakeAsterisk]:
        inbox: asyncio.Queue[Inbound] = asyncio.Queue()
        fake = FakeAsterisk(inbox, list(answers))
        return AgiSession(ENV, fake, inbox, **kwargs), fake  # type: ignore[arg-type]

    return make


# --- context ---------------------------------------------------------------------------------


def test_context_comes_from_the_headers(make_session: SessionFactory) -> None:
    session, _ = make_session()
    assert session.script == "ivr"
    assert session.args == {"lang": "fr", "retry": ""}
    assert session.channel == "PJSIP/trunk-00000001"
    assert session.uniqueid == "1732270000.12"
    assert session.caller_id == "0612345678"
    assert session.env["agi_extension"] == "3939"
    assert session.hung_up is False
    assert session.vars == {}


def test_repr_does_not_leak_the_caller(make_session: SessionFactory) -> None:
    session, _ = make_session()
    text = repr(session)
    assert "1732270000.12" in text
    assert "0612345678" not in text
    assert "Dupont" not in text


@pytest.mark.parametrize("value", ["unknown", ""])
def test_anonymous_caller_id_is_none(value: str) -> None:
    inbox: asyncio.Queue[Inbound] = asyncio.Queue()
    session = AgiSession({**ENV, "agi_callerid": value}, FakeAsterisk(inbox), inbox)
    assert session.caller_id is None


def test_script_without_arguments() -> None:
    inbox: asyncio.Queue[Inbound] = asyncio.Queue()
    session = AgiSession({"agi_network_script": "ivr"}, FakeAsterisk(inbox), inbox)
    assert (session.script, dict(session.args), session.caller_id) == ("ivr", {}, None)


# --- commands --------------------------------------------------------------------------------


async def test_command_writes_the_line_and_returns_the_reply(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=0 endpos=16000")])
    result = await session.stream_file("welcome")
    assert fake.written == [b'STREAM FILE welcome ""\n']
    assert (result.code, result.result, result.extras["endpos"]) == (200, "0", "16000")


async def test_stream_file_with_escape_digits(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=50 endpos=800")])
    result = await session.stream_file("menu", "123")
    assert fake.written == [b"STREAM FILE menu 123\n"]
    assert result.result == "50"


@pytest.mark.parametrize(
    ("line", "digits"),
    [("200 result=12", "12"), ("200 result= (timeout)", ""), ("200 result=4 (timeout)", "4")],
)
async def test_get_data(make_session: SessionFactory, line: str, digits: str) -> None:
    session, fake = make_session([reply(line)])
    assert await session.get_data("menu-main", 3000, 2) == digits
    assert fake.written == [b"GET DATA menu-main 3000 2\n"]


async def test_get_data_minus_one_is_a_hangup(make_session: SessionFactory) -> None:
    session, _ = make_session([reply("200 result=-1")])
    with pytest.raises(AgiHangup):
        await session.get_data("menu-main", 3000, 1)
    assert session.hung_up


@pytest.mark.parametrize(("timeout_ms", "max_digits"), [(-1, 1), (1000, 0)])
async def test_get_data_validates_its_arguments(
    make_session: SessionFactory, timeout_ms: int, max_digits: int
) -> None:
    session, fake = make_session()
    with pytest.raises(ValueError):
        await session.get_data("menu", timeout_ms, max_digits)
    assert fake.written == []


async def test_get_data_waits_longer_than_its_own_timeout(make_session: SessionFactory) -> None:
    session, fake = make_session(command_timeout=0.05)

    async def answer_late() -> None:
        await asyncio.sleep(0.2)
        fake.inbox.put_nowait(reply("200 result=7"))

    answering = asyncio.create_task(answer_late())
    assert await session.get_data("menu", 300, 1) == "7"
    await answering


async def test_set_and_get_variable(make_session: SessionFactory) -> None:
    session, fake = make_session(
        [reply("200 result=1")],
        [reply("200 result=1 (fr (France))")],
        [reply("200 result=0")],
        [reply("200 result=1 ()")],
    )
    await session.set_variable("LANG", "fr (France)")
    assert await session.get_variable("LANG") == "fr (France)"
    assert await session.get_variable("UNSET") is None
    assert await session.get_variable("EMPTY") == ""
    assert fake.written == [
        b'SET VARIABLE LANG "fr (France)"\n',
        b"GET VARIABLE LANG\n",
        b"GET VARIABLE UNSET\n",
        b"GET VARIABLE EMPTY\n",
    ]


async def test_verbose(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=1")])
    await session.verbose("menu entered", level=3)
    assert fake.written == [b'VERBOSE "menu entered" 3\n']


async def test_hangup_marks_the_session_and_is_idempotent(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=1"), AgiHangupNotice()])
    await session.hangup()
    assert session.hung_up
    await session.hangup()
    assert fake.written == [b"HANGUP\n"]


async def test_injection_is_refused_before_anything_is_written(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=1")])
    with pytest.raises(ValueError):
        await session.set_variable("X", "1\nEXEC System reboot")
    assert fake.written == []
    await session.set_variable("X", "1")  # still usable


async def test_provisional_reply_is_skipped(make_session: SessionFactory) -> None:
    session, _ = make_session([reply("100 result=0 Trying..."), reply("200 result=0 Gosub complete")])
    result = await session.command("GOSUB", "sub", "s", "1")
    assert (result.code, result.text) == (200, "result=0 Gosub complete")


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("510 Invalid or unknown command", 510),
        ("511 Command Not Permitted on a dead channel or intercept routine", 511),
        ("520 Invalid command syntax.  Proper usage not available.", 520),
        ("503 result=-2 Memory allocation failure", 503),
    ],
)
async def test_refused_commands_raise_command_errors(
    make_session: SessionFactory, line: str, code: int
) -> None:
    session, _ = make_session([reply(line)], [reply("200 result=1")])
    with pytest.raises(AgiCommandError) as caught:
        await session.command("NOOP")
    assert caught.value.code == code
    assert caught.value.text == line[4:]
    await session.command("NOOP")  # a refused command does not break the session


async def test_multiline_usage_reply_is_one_command_error(make_session: SessionFactory) -> None:
    parser = AgiParser()
    parser.feed(b"agi_network: yes\n\n")
    usage = parser.feed(
        b"520-Invalid command syntax.  Proper usage follows:\n Usage: x\n520 End of proper usage.\n"
    )
    session, _ = make_session(usage, [reply("200 result=0")])
    with pytest.raises(AgiCommandError) as caught:
        await session.command("STREAM FILE")
    assert caught.value.code == 520
    assert (await session.command("NOOP")).result == "0"


# --- hang-up ---------------------------------------------------------------------------------


async def test_hangup_notice_while_pending_is_not_taken_as_the_reply(make_session: SessionFactory) -> None:
    # The panoramisk bug: HANGUP consumed as the reply, every later reply one command late.
    session, fake = make_session([AgiHangupNotice(), reply("200 result=1 (PJSIP/trunk-00000001)")])
    assert await session.get_variable("CHANNEL") == "PJSIP/trunk-00000001"
    assert session.hung_up
    with pytest.raises(AgiHangup):
        await session.get_variable("CHANNEL")
    assert fake.written == [b"GET VARIABLE CHANNEL\n"]


async def test_hangup_notice_then_511_is_a_hangup(make_session: SessionFactory) -> None:
    session, _ = make_session([AgiHangupNotice(), reply("511 Command Not Permitted on a dead channel")])
    with pytest.raises(AgiHangup):
        await session.stream_file("welcome")
    assert session.hung_up


async def test_minus_one_followed_by_hangup_notice_is_a_hangup(make_session: SessionFactory) -> None:
    session, _ = make_session([reply("200 result=-1 endpos=1200"), AgiHangupNotice()])
    with pytest.raises(AgiHangup):
        await session.stream_file("welcome")
    assert session.hung_up


async def test_minus_one_alone_is_returned(make_session: SessionFactory) -> None:
    # STREAM FILE also answers -1 for a missing prompt: not a hang-up by itself.
    session, _ = make_session([reply("200 result=-1 endpos=0")], [reply("200 result=0 endpos=100")])
    assert (await session.stream_file("missing")).result == "-1"
    assert not session.hung_up
    assert (await session.stream_file("welcome")).result == "0"


async def test_hangup_notice_between_commands_stops_the_next_one(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=0 endpos=100")])
    await session.stream_file("welcome")
    fake.inbox.put_nowait(AgiHangupNotice())
    with pytest.raises(AgiHangup):
        await session.stream_file("menu")
    assert fake.written == [b'STREAM FILE welcome ""\n']
    assert session.hung_up


async def test_connection_closed_while_pending_is_a_hangup(make_session: SessionFactory) -> None:
    session, fake = make_session([AgiClosed()])
    with pytest.raises(AgiHangup):
        await session.stream_file("welcome")
    assert session.hung_up
    assert session.closed
    assert fake.closed
    with pytest.raises(AgiHangup):
        await session.stream_file("welcome")
    assert len(fake.written) == 1


async def test_connection_closed_while_idle_is_a_hangup(make_session: SessionFactory) -> None:
    session, fake = make_session()
    fake.inbox.put_nowait(AgiClosed())
    with pytest.raises(AgiHangup):
        await session.verbose("x")
    assert fake.written == []


async def test_connection_closed_without_hangup_notice_is_lost(make_session: SessionFactory) -> None:
    """Asterisk died (kill -9): EOF with no HANGUP line before it; a hang-up for the commands, and said lost."""
    session, _ = make_session([AgiClosed()])
    with pytest.raises(AgiHangup):
        await session.stream_file("welcome")
    assert session.hung_up and session.connection_lost


async def test_connection_closed_after_the_hangup_notice_is_not_lost(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=-1 endpos=1200"), AgiHangupNotice()])
    with pytest.raises(AgiHangup):
        await session.stream_file("welcome")
    fake.inbox.put_nowait(AgiClosed())
    with pytest.raises(AgiHangup):
        await session.verbose("x")
    assert session.hung_up and not session.connection_lost


async def test_connection_reset_on_write_is_a_hangup(make_session: SessionFactory) -> None:
    session, fake = make_session()
    fake.drain_error = ConnectionResetError()
    with pytest.raises(AgiHangup):
        await session.verbose("x")
    assert session.hung_up
    assert fake.closed


# --- timeouts, protocol errors, cancellation ---------------------------------------------------


async def test_timeout_closes_the_session(make_session: SessionFactory) -> None:
    session, fake = make_session()
    with pytest.raises(AgiTimeout):
        await session.stream_file("welcome", timeout=0.05)
    assert fake.closed
    assert session.closed
    with pytest.raises(AgiTimeout):
        await session.stream_file("welcome")
    assert len(fake.written) == 1


async def test_default_timeout_applies(make_session: SessionFactory) -> None:
    session, _ = make_session(command_timeout=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(AgiTimeout):
        await session.verbose("x")
    assert loop.time() - started < 1.0


async def test_protocol_error_from_the_reader_breaks_the_session(make_session: SessionFactory) -> None:
    session, fake = make_session([AgiProtocolError("unexpected line")])
    with pytest.raises(AgiProtocolError):
        await session.verbose("x")
    assert fake.closed
    with pytest.raises(AgiProtocolError):
        await session.verbose("x")
    assert len(fake.written) == 1


async def test_unsolicited_reply_breaks_the_session(make_session: SessionFactory) -> None:
    session, fake = make_session()
    fake.inbox.put_nowait(reply("200 result=0"))
    with pytest.raises(AgiProtocolError, match="out of step"):
        await session.verbose("x")
    assert fake.written == []


async def test_extra_reply_after_a_command_breaks_the_session(make_session: SessionFactory) -> None:
    session, fake = make_session([reply("200 result=1"), reply("200 result=1")])
    await session.verbose("x")
    with pytest.raises(AgiProtocolError):
        await session.verbose("y")
    assert len(fake.written) == 1


async def test_cancelled_command_leaves_the_session_unusable(make_session: SessionFactory) -> None:
    session, fake = make_session()
    pending = asyncio.create_task(session.stream_file("welcome"))
    await asyncio.sleep(0.01)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    fake.inbox.put_nowait(reply("200 result=0 endpos=100"))  # the late reply must not be reused
    with pytest.raises(AgiProtocolError):
        await session.stream_file("menu")
    assert fake.closed
    assert len(fake.written) == 1


async def test_close(make_session: SessionFactory) -> None:
    session, fake = make_session()
    session.close()
    assert fake.closed
    with pytest.raises(AgiHangup):
        await session.verbose("x")


# --- concurrency and observer ------------------------------------------------------------------


async def test_only_one_command_in_flight(make_session: SessionFactory) -> None:
    session, fake = make_session()
    first = asyncio.create_task(session.set_variable("A", "1"))
    second = asyncio.create_task(session.set_variable("B", "2"))
    await asyncio.sleep(0.01)
    assert fake.written == [b"SET VARIABLE A 1\n"]
    fake.inbox.put_nowait(reply("200 result=1"))
    await first
    await asyncio.sleep(0.01)
    assert fake.written == [b"SET VARIABLE A 1\n", b"SET VARIABLE B 2\n"]
    assert not second.done()
    fake.inbox.put_nowait(reply("200 result=1"))
    await second


async def test_observer_gets_command_durations(make_session: SessionFactory) -> None:
    observer = RecordingObserver()
    session, _ = make_session([reply("200 result=0 endpos=1")], [reply("200 result=5")], observer=observer)
    await session.stream_file("welcome")
    await session.get_data("menu", 1000, 1)
    assert [command for command, _ in observer.commands] == ["STREAM FILE", "GET DATA"]
    assert all(0 <= seconds < 1 for _, seconds in observer.commands)


async def test_failing_observer_does_not_break_the_call(
    make_session: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(RecordingObserver):
        def command_done(self, command: str, seconds: float) -> None:
            raise RuntimeError("metrics down")

    session, _ = make_session([reply("200 result=1")], observer=Broken())
    with caplog.at_level(logging.ERROR, logger="agi"):
        await session.verbose("x")
    assert "command_done" in caplog.text
