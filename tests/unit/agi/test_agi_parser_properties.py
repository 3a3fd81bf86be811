"""Property tests: chunking never changes the outcome; arbitrary bytes only raise AgiProtocolError."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from agi import AgiParser, AgiProtocolError
from agi.events import AgiEvent

# No example database: it would write a .hypothesis directory into the shared project root.
PROPERTY_SETTINGS = settings(database=None, max_examples=300, deadline=None)

HEADER_LINES = st.lists(
    st.tuples(
        st.from_regex(r"agi_[a-z0-9_]{1,12}", fullmatch=True),
        st.binary(max_size=30).filter(lambda value: b"\n" not in value and not value.endswith(b"\r")),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda pair: pair[0],
)

REPLY_LINES = st.sampled_from(
    [
        b"200 result=0 endpos=16000\n",
        b"200 result=1 (timeout) endpos=1234\n",
        b"200 result= (timeout)\n",
        b"200 result=1 (PJSIP/trunk-1)\n",
        b"200 result=-1\r\n",
        b"100 result=0 Trying...\n",
        b"200 result=0 Gosub complete\n",
        b"510 Invalid or unknown command\n",
        b"511 Command Not Permitted on a dead channel or intercept routine\n",
        b"520-Invalid command syntax.  Proper usage follows:\n Usage: x\n\n520 End of proper usage.\n",
        b"HANGUP\n",
        b"200 result=1 (caf\xe9 \xff)\n",
        b"\n",
    ]
)


@st.composite
def valid_streams(draw: st.DrawFn) -> bytes:
    headers = b"".join(key.encode() + b": " + value + b"\n" for key, value in draw(HEADER_LINES))
    return headers + b"\n" + b"".join(draw(st.lists(REPLY_LINES, max_size=10)))


@st.composite
def chunkings(draw: st.DrawFn, data: bytes) -> list[bytes]:
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=20)))
    bounds = [0, *cuts, len(data)]
    return [data[start:end] for start, end in itertools.pairwise(bounds)]


def run(chunks: list[bytes], *, eof: bool, max_line: int = 8192) -> tuple[list[AgiEvent], bool]:
    """Events returned before the first error, and whether an AgiProtocolError was raised."""
    parser = AgiParser(max_line=max_line)
    events: list[AgiEvent] = []
    try:
        for chunk in chunks:
            events += parser.feed(chunk)
        if eof:
            events += parser.feed_eof()
    except AgiProtocolError:
        return events, True
    return events, False


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


@PROPERTY_SETTINGS
@given(data=st.data(), stream=valid_streams(), eof=st.booleans())
def test_valid_streams_parse_the_same_whatever_the_chunking(
    data: st.DataObject, stream: bytes, eof: bool
) -> None:
    whole, whole_failed = run([stream], eof=eof)
    assert not whole_failed
    assert whole  # at least the headers
    assert run(data.draw(chunkings(stream)), eof=eof) == (whole, False)
    assert run(bytewise(stream), eof=eof) == (whole, False)


@PROPERTY_SETTINGS
@given(data=st.data(), stream=st.binary(max_size=300), max_line=st.integers(1, 64), eof=st.booleans())
def test_arbitrary_bytes_fail_the_same_whatever_the_chunking(
    data: st.DataObject, stream: bytes, max_line: int, eof: bool
) -> None:
    # Events that came with the failing chunk are dropped with it, so a coarser chunking may
    # return fewer events before the error; whether it fails, and the events otherwise, are fixed.
    reference, reference_failed = run(bytewise(stream), eof=eof, max_line=max_line)
    events, failed = run(data.draw(chunkings(stream)), eof=eof, max_line=max_line)
    assert failed == reference_failed
    if failed:
        assert events == reference[: len(events)]
    else:
        assert events == reference


@PROPERTY_SETTINGS
@given(prefix=valid_streams(), garbage=st.binary(max_size=200), eof=st.booleans())
def test_arbitrary_bytes_after_valid_headers_only_raise_protocol_errors(
    prefix: bytes, garbage: bytes, eof: bool
) -> None:
    run([prefix, garbage], eof=eof)  # anything but AgiProtocolError propagates and fails the test


# Streams that reach each limit: many short header lines, a long multi-line reply, long lines, and noise.
HOSTILE_PARTS = st.sampled_from([
    b"agi_a: 1\n", b"agi_b: 2\n", b"agi_c: \xff\n", b"\n", b"520-Usage\n", b" line\n", b"520 End\n",
    b"200 result=1\n", b"HANGUP\n", b"x" * 40, b"\r\n", b"\x00", b"\xc3", b"agi_", b": ",
])


@PROPERTY_SETTINGS
@given(data=st.data(), parts=st.lists(HOSTILE_PARTS | st.binary(max_size=50), max_size=60),
       max_line=st.integers(1, 64), max_headers=st.integers(1, 5), max_continuation=st.integers(1, 5),
       eof=st.booleans())
def test_the_parser_never_holds_more_than_its_limits_and_only_raises_protocol_errors(
    data: st.DataObject, parts: list[bytes], max_line: int, max_headers: int, max_continuation: int, eof: bool
) -> None:
    parser = AgiParser(max_line=max_line, max_headers=max_headers, max_continuation=max_continuation)
    try:
        for chunk in data.draw(chunkings(b"".join(parts))):
            parser.feed(chunk)  # anything but AgiProtocolError propagates and fails the test
            held = parser.held
            assert held.line_bytes <= max_line
            assert held.headers <= max_headers
            assert held.reply_lines <= max_continuation
        if eof:
            parser.feed_eof()
    except AgiProtocolError:
        assert parser.held == (0, 0, 0)  # a failed parser lets go of everything
        try:
            parser.feed(b"200 result=0\n")
        except AgiProtocolError:
            return
        raise AssertionError("a failed parser accepted more data") from None
