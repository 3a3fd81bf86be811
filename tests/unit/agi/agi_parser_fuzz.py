"""Coverage-guided fuzzing of the AGI parser with atheris (libFuzzer), run in its own process:

    python tests/unit/agi/agi_parser_fuzz.py -runs=50000 -seed=1 [CORPUS_DIR]

libFuzzer ends the process when it is done, so test_agi_parser_atheris.py runs this script as a subprocess. A crash
(any exception but AgiProtocolError, or a broken invariant) makes it print the input and exit non-zero.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from agi.errors import AgiProtocolError
    from agi.protocol import AgiParser, format_command
    from agi.replies import parse_reply

def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    max_line = fdp.ConsumeIntInRange(1, 128)
    max_headers = fdp.ConsumeIntInRange(1, 8)
    max_continuation = fdp.ConsumeIntInRange(1, 8)
    cuts = sorted(fdp.ConsumeIntInRange(0, 512) for _ in range(fdp.ConsumeIntInRange(0, 8)))
    stream = fdp.ConsumeBytes(fdp.remaining_bytes())
    parser = AgiParser(max_line=max_line, max_headers=max_headers, max_continuation=max_continuation)
    start = 0
    try:
        for end in [*cuts, len(stream)]:
            parser.feed(stream[start:max(start, end)])
            start = max(start, end)
            held = parser.held
            if held.line_bytes > max_line or held.headers > max_headers or held.reply_lines > max_continuation:
                raise RuntimeError(f"the parser holds more than its limits: {held}")
        parser.feed_eof()
    except AgiProtocolError:
        if parser.held != (0, 0, 0):
            raise RuntimeError("a failed parser still holds data") from None
    # The reply grammar on its own, and the command encoder with arbitrary text.
    text = stream.decode("utf-8", errors="replace")
    with contextlib.suppress(AgiProtocolError):
        parse_reply(200, text, text)
    try:
        encoded = format_command("GET DATA", text[:64], text[64:128])
    except ValueError:
        return
    if encoded.count(b"\n") != 1 or not encoded.endswith(b"\n"):
        raise RuntimeError(f"format_command produced {encoded!r}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
