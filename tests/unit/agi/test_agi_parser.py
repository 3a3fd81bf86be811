"""AgiParser: headers, replies, HANGUP notices, framing limits, EOF."""

from __future__ import annotations

import pytest

from agi import AgiClosed, AgiHangupNotice, AgiHeaders, AgiParser, AgiProtocolError, AgiReply
from agi.events import AgiEvent

HEADERS = (
    b"agi_request: agi://127.0.0.1:4573/ivr\n"
    b"agi_network: yes\n"
    b"agi_network_script: ivr\n"
    b"agi_channel: PJSIP/trunk-00000001\n"
    b"agi_language: fr\n"
    b"agi_type: PJSIP\n"
    b"agi_uniqueid: 1732270000.12\n"
    b"agi_version: 22.10.1\n"
    b"agi_callerid: 0612345678\n"
    b"agi_calleridname: Jean Dupont\n"
    b"agi_callingpres: 0\n"
    b"agi_context: from-trunk\n"
    b"agi_extension: 3939\n"
    b"agi_priority: 2\n"
    b"agi_enhanced: 0.0\n"
    b"agi_accountcode: \n"
    b"agi_threadid: 140245\n"
    b"agi_arg_1: first arg\n"
    b"\n"
)


def started() -> AgiParser:
    parser = AgiParser()
    events = parser.feed(HEADERS)
    assert len(events) == 1
    return parser


def one_reply(line: bytes) -> AgiReply:
    events = started().feed(line)
    assert len(events) == 1
    reply = events[0]
    assert isinstance(reply, AgiReply)
    return reply


def feed_bytewise(data: bytes) -> list[AgiEvent]:
    parser = AgiParser()
    events: list[AgiEvent] = []
    for i in range(len(data)):
        events += parser.feed(data[i : i + 1])
    return events


# --- headers ---------------------------------------------------------------------------------


def test_headers_are_emitted_once_after_the_blank_line() -> None:
    parser = AgiParser()
    assert parser.feed(HEADERS[:-1]) == []
    events = parser.feed(b"\n")
    assert len(events) == 1
    headers = events[0]
    assert isinstance(headers, AgiHeaders)
    assert headers.env["agi_network_script"] == "ivr"
    assert headers.env["agi_channel"] == "PJSIP/trunk-00000001"
    assert headers.env["agi_extension"] == "3939"
    assert headers.env["agi_accountcode"] == ""
    assert headers.env["agi_arg_1"] == "first arg"
    assert len(headers.env) == 18


def test_header_values_keep_everything_after_the_first_separator() -> None:
    parser = AgiParser()
    (headers,) = parser.feed(b"agi_calleridname: a: b : c\n\n")
    assert isinstance(headers, AgiHeaders)
    assert headers.env == {"agi_calleridname": "a: b : c"}


def test_headers_env_is_read_only() -> None:
    (headers,) = AgiParser().feed(b"agi_network: yes\n\n")
    assert isinstance(headers, AgiHeaders)
    with pytest.raises(TypeError):
        headers.env["agi_network"] = "no"  # type: ignore[index]


def test_crlf_line_endings_are_tolerated() -> None:
    crlf = HEADERS.replace(b"\n", b"\r\n") + b"200 result=0 endpos=16000\r\nHANGUP\r\n"
    lf = HEADERS + b"200 result=0 endpos=16000\nHANGUP\n"
    assert AgiParser().feed(crlf) == AgiParser().feed(lf)


@pytest.mark.parametrize(
    "line",
    [
        b"agi_network yes\n",  # no separator
        b"agi_network:yes\n",  # no space after the colon
        b"network: yes\n",  # not an agi_ key
        b"agi_: yes\n",
        b"AGI_network: yes\n",
        b"agi network: yes\n",
        b"GET / HTTP/1.1\n",
        b"\xff\xfe\xfd\n",  # non-UTF-8 key
        b"agi_caf\xc3\xa9: yes\n",  # non-ASCII key
        b"HANGUP\n",
        b"200 result=0\n",
    ],
)
def test_malformed_header_lines_are_protocol_errors(line: bytes) -> None:
    with pytest.raises(AgiProtocolError):
        AgiParser().feed(b"agi_network: yes\n" + line)


def test_duplicate_header_is_a_protocol_error() -> None:
    with pytest.raises(AgiProtocolError, match="duplicate"):
        AgiParser().feed(b"agi_network: yes\nagi_network: no\n")


def test_empty_header_block_is_a_protocol_error() -> None:
    with pytest.raises(AgiProtocolError, match="empty"):
        AgiParser().feed(b"\n")


def test_too_many_headers_is_a_protocol_error() -> None:
    parser = AgiParser(max_headers=3)
    parser.feed(b"agi_a: 1\nagi_b: 2\nagi_c: 3\n")
    with pytest.raises(AgiProtocolError, match="more than 3"):
        parser.feed(b"agi_d: 4\n")


def test_non_utf8_header_values_are_replaced_not_fatal() -> None:
    (headers,) = AgiParser().feed(b"agi_calleridname: \xe9l\xe9onore\nagi_network: yes\n\n")
    assert isinstance(headers, AgiHeaders)
    assert headers.env["agi_calleridname"] == "\ufffdl\ufffdonore"
    assert headers.env["agi_network"] == "yes"


def test_error_messages_never_quote_the_offending_bytes() -> None:
    with pytest.raises(AgiProtocolError) as caught:
        AgiParser().feed(b"agi_callerid 0612345678\n")
    assert "0612345678" not in str(caught.value)


# --- replies ---------------------------------------------------------------------------------


def test_reply_with_endpos() -> None:
    reply = one_reply(b"200 result=0 endpos=16000\n")
    assert reply == AgiReply(200, "0", None, {"endpos": "16000"}, "200 result=0 endpos=16000")


def test_reply_with_data_and_endpos() -> None:
    reply = one_reply(b"200 result=1 (timeout) endpos=1234\n")
    assert (reply.code, reply.result, reply.data, dict(reply.extras)) == (
        200,
        "1",
        "timeout",
        {"endpos": "1234"},
    )


def test_reply_with_data_only() -> None:
    reply = one_reply(b"200 result=1 (PJSIP/trunk-1)\n")
    assert (reply.result, reply.data, dict(reply.extras)) == ("1", "PJSIP/trunk-1", {})


def test_get_data_timeout_reply_has_an_empty_result() -> None:
    reply = one_reply(b"200 result= (timeout)\n")
    assert (reply.result, reply.data) == ("", "timeout")


def test_get_data_digits_with_timeout() -> None:
    reply = one_reply(b"200 result=1234 (timeout)\n")
    assert (reply.result, reply.data) == ("1234", "timeout")


def test_plain_result() -> None:
    reply = one_reply(b"200 result=-1\n")
    assert (reply.code, reply.result, reply.data, dict(reply.extras)) == (200, "-1", None, {})


def test_data_may_contain_parentheses_and_spaces() -> None:
    reply = one_reply(b"200 result=1 (a (b) c) d)\n")
    assert reply.data == "a (b) c) d"


def test_empty_data() -> None:
    assert one_reply(b"200 result=1 ()\n").data == ""


def test_free_text_after_result_is_kept_in_raw_only() -> None:
    reply = one_reply(b"200 result=0 Gosub complete\n")
    assert (reply.result, reply.data, dict(reply.extras)) == ("0", None, {})
    assert reply.text == "result=0 Gosub complete"


def test_provisional_reply_is_parsed() -> None:
    reply = one_reply(b"100 result=0 Trying...\n")
    assert (reply.code, reply.result) == (100, "0")


def test_510_reply() -> None:
    reply = one_reply(b"510 Invalid or unknown command\n")
    assert (reply.code, reply.result, reply.data, reply.text) == (510, "", None, "Invalid or unknown command")


def test_511_reply() -> None:
    reply = one_reply(b"511 Command Not Permitted on a dead channel or intercept routine\n")
    assert reply.code == 511
    assert reply.text == "Command Not Permitted on a dead channel or intercept routine"


def test_multiline_520_usage_is_one_reply() -> None:
    parser = started()
    assert parser.feed(b"520-Invalid command syntax.  Proper usage follows:\n") == []
    assert parser.feed(b" Usage: STREAM FILE <filename> <escape digits> [sample offset]\n") == []
    assert parser.feed(b"\n 200 result=0 is not a reply here\nHANGUP\n") == []
    (reply,) = parser.feed(b"520 End of proper usage.\n")
    assert isinstance(reply, AgiReply)
    assert reply.code == 520
    assert reply.text == "Invalid command syntax.  Proper usage follows:"
    assert reply.raw.splitlines() == [
        "520-Invalid command syntax.  Proper usage follows:",
        " Usage: STREAM FILE <filename> <escape digits> [sample offset]",
        "",
        " 200 result=0 is not a reply here",
        "HANGUP",
        "520 End of proper usage.",
    ]
    assert parser.feed(b"200 result=0\n") == [AgiReply(200, "0", None, {}, "200 result=0")]


def test_too_long_multiline_reply_is_a_protocol_error() -> None:
    parser = AgiParser(max_continuation=3)
    parser.feed(HEADERS + b"520-usage\na\nb\n")
    with pytest.raises(AgiProtocolError, match="multi-line"):
        parser.feed(b"c\n")


def test_single_line_520() -> None:
    reply = one_reply(b"520 Invalid command syntax.  Proper usage not available.\n")
    assert reply.code == 520


@pytest.mark.parametrize(
    "line",
    [
        b"200\n",
        b"200 result\n",
        b"200 ok\n",
        b"200 result=1 (unterminated\n",
        b"20 result=0\n",
        b"2000 result=0\n",
        b"abc result=0\n",
        b"\xd9\xa3\xd9\xa3\xd9\xa3 result=0\n",  # Arabic-Indic digits are not a reply code
        b"hello\n",
        b"hangup\n",
        b"\x00\x01\x02\n",
    ],
)
def test_malformed_replies_are_protocol_errors(line: bytes) -> None:
    with pytest.raises(AgiProtocolError):
        started().feed(line)


def test_non_utf8_in_reply_data_is_replaced() -> None:
    reply = one_reply(b"200 result=1 (caf\xe9)\n")
    assert reply.data == "caf\ufffd"


def test_blank_lines_between_replies_are_ignored() -> None:
    assert started().feed(b"\n\r\n200 result=0\n") == [AgiReply(200, "0", None, {}, "200 result=0")]


# --- HANGUP notices ---------------------------------------------------------------------------


def test_hangup_notice_between_commands() -> None:
    assert started().feed(b"HANGUP\n") == [AgiHangupNotice()]


def test_hangup_notice_before_and_after_a_reply_keeps_the_order() -> None:
    events = started().feed(b"HANGUP\n511 Command Not Permitted\n200 result=-1 endpos=0\nHANGUP\n")
    assert [type(event) for event in events] == [AgiHangupNotice, AgiReply, AgiReply, AgiHangupNotice]
    assert [event.code for event in events if isinstance(event, AgiReply)] == [511, 200]


# --- framing ---------------------------------------------------------------------------------


def test_byte_by_byte_feeding_gives_the_same_events() -> None:
    stream = (
        HEADERS
        + b"200 result=0 endpos=16000\r\n"
        + b"HANGUP\n"
        + b"520-Invalid command syntax.  Proper usage follows:\n usage\n520 End of proper usage.\n"
        + b"200 result= (timeout)\n"
    )
    whole = AgiParser().feed(stream)
    assert len(whole) == 5
    assert feed_bytewise(stream) == whole


def test_line_split_across_chunks() -> None:
    parser = started()
    assert parser.feed(b"200 res") == []
    assert parser.feed(b"ult=1 (ti") == []
    assert parser.feed(b"meout)\r") == []
    assert parser.feed(b"\n") == [AgiReply(200, "1", "timeout", {}, "200 result=1 (timeout)")]


def test_line_of_exactly_max_line_bytes_is_accepted() -> None:
    parser = AgiParser(max_line=20)
    line = b"agi_x: " + b"v" * 13
    assert len(line) == 20
    (headers,) = parser.feed(line + b"\n\n")
    assert isinstance(headers, AgiHeaders)


def test_over_long_complete_line_is_a_protocol_error() -> None:
    with pytest.raises(AgiProtocolError, match="longer than 20"):
        AgiParser(max_line=20).feed(b"agi_x: " + b"v" * 14 + b"\n")


def test_over_long_partial_line_fails_before_its_newline() -> None:
    parser = AgiParser(max_line=20)
    parser.feed(b"agi_x: " + b"v" * 13)
    with pytest.raises(AgiProtocolError, match="longer than 20"):
        parser.feed(b"v")


def test_endless_line_without_newline_fails_at_max_line_bytewise() -> None:
    parser = AgiParser(max_line=100)
    with pytest.raises(AgiProtocolError):
        for _ in range(101):
            parser.feed(b"x")


def test_parser_stays_failed_after_an_error() -> None:
    parser = AgiParser()
    with pytest.raises(AgiProtocolError):
        parser.feed(b"garbage\n")
    with pytest.raises(AgiProtocolError):
        parser.feed(HEADERS)
    with pytest.raises(AgiProtocolError):
        parser.feed_eof()


@pytest.mark.parametrize("kwargs", [{"max_line": 0}, {"max_headers": 0}, {"max_continuation": 0}])
def test_limits_must_be_positive(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        AgiParser(**kwargs)


# --- EOF -------------------------------------------------------------------------------------


def test_eof_after_headers_is_closed() -> None:
    parser = started()
    assert parser.feed_eof() == [AgiClosed()]
    assert parser.feed_eof() == []


def test_eof_before_any_byte_is_a_protocol_error() -> None:
    with pytest.raises(AgiProtocolError, match="before the AGI headers"):
        AgiParser().feed_eof()


def test_eof_in_the_middle_of_the_headers_is_a_protocol_error() -> None:
    parser = AgiParser()
    parser.feed(HEADERS[:-1])
    with pytest.raises(AgiProtocolError, match="before the AGI headers"):
        parser.feed_eof()


def test_eof_in_the_middle_of_a_reply_line_is_a_protocol_error() -> None:
    parser = started()
    parser.feed(b"200 result=0")
    with pytest.raises(AgiProtocolError, match="middle"):
        parser.feed_eof()


def test_eof_inside_a_multiline_reply_is_a_protocol_error() -> None:
    parser = started()
    parser.feed(b"520-Invalid command syntax.  Proper usage follows:\n")
    with pytest.raises(AgiProtocolError, match="middle"):
        parser.feed_eof()


def test_data_after_eof_is_refused() -> None:
    parser = started()
    parser.feed_eof()
    with pytest.raises(AgiProtocolError):
        parser.feed(b"200 result=0\n")
