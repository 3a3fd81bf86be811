"""format_command: quoting as res_agi parses it, and the command-injection guard."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agi import format_command


def unquote_like_res_agi(line: str) -> list[str]:
    """A port of res_agi.c parse_args(): quotes group, backslash escapes, blanks separate."""
    args: list[str] = []
    current: list[str] | None = None
    quoted = escaped = False
    for char in line:
        if char == '"' and not escaped:
            quoted = not quoted
            if quoted and current is None:
                current = []
            continue
        if char in " \t" and not quoted and not escaped:
            if current is not None:
                args.append("".join(current))
                current = None
            continue
        if char == "\\" and not escaped:
            escaped = True
            continue
        if current is None:
            current = []
        current.append(char)
        escaped = False
    if current is not None:
        args.append("".join(current))
    return args


def test_plain_arguments_are_not_quoted() -> None:
    assert format_command("GET DATA", "menu-main", "3000", "1") == b"GET DATA menu-main 3000 1\n"


def test_empty_argument_is_quoted() -> None:
    assert format_command("STREAM FILE", "welcome", "") == b'STREAM FILE welcome ""\n'


def test_command_alone() -> None:
    assert format_command("HANGUP") == b"HANGUP\n"


def test_argument_with_spaces_is_quoted() -> None:
    assert format_command("VERBOSE", "hello world", "1") == b'VERBOSE "hello world" 1\n'


def test_quotes_and_backslashes_are_escaped() -> None:
    assert format_command("SET VARIABLE", "X", 'say "hi" \\o/') == b'SET VARIABLE X "say \\"hi\\" \\\\o/"\n'


def test_backslash_alone_is_quoted_because_res_agi_unescapes_it_everywhere() -> None:
    assert format_command("SET VARIABLE", "X", "a\\b") == b'SET VARIABLE X "a\\\\b"\n'


def test_tab_is_quoted() -> None:
    assert format_command("VERBOSE", "a\tb") == b'VERBOSE "a\tb"\n'


def test_utf8_is_encoded() -> None:
    assert format_command("VERBOSE", "été") == "VERBOSE été\n".encode()


@pytest.mark.parametrize("bad", ["a\nHANGUP", "a\rHANGUP", "a\0b", "\n"])
def test_line_breaks_and_nul_in_arguments_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        format_command("SET VARIABLE", "X", bad)


@pytest.mark.parametrize("bad", ["HANGUP\nEXEC System rm", "STREAM FILE\r", "VERBOSE\0"])
def test_line_breaks_in_command_words_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        format_command(bad)


@pytest.mark.parametrize("bad", ["", " STREAM FILE", "STREAM  FILE", "stream file\t", 'EXEC "x"', "GET-DATA"])
def test_command_words_must_be_plain_words(bad: str) -> None:
    with pytest.raises(ValueError):
        format_command(bad)


def test_no_parts_is_refused() -> None:
    with pytest.raises(ValueError):
        format_command()


def test_over_long_command_is_refused() -> None:
    format_command("VERBOSE", "x" * 1900)
    with pytest.raises(ValueError, match="longer than"):
        format_command("VERBOSE", "x" * 2100)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError):
        format_command("VERBOSE", "\udcff")


@settings(database=None, max_examples=300)
@given(
    arguments=st.lists(
        st.text(st.characters(blacklist_characters="\n\r\0", blacklist_categories=["Cs"]), max_size=20),
        max_size=5,
    )
)
def test_res_agi_reads_back_exactly_the_arguments(arguments: list[str]) -> None:
    line = format_command("SET VARIABLE", *arguments).decode()
    assert line.endswith("\n")
    assert line.count("\n") == 1
    assert unquote_like_res_agi(line[:-1]) == ["SET", "VARIABLE", *arguments]
