"""The directory export as a stream of bodies (I/O-free: bytes, a binary file or an iterator of chunks in).

`{"service": [record, …]}` (the export) or a bare `[record, …]` (the API's whole-dataset export), read one record
at a time by ijson (C backend): memory stays bounded whatever the file's size. A file allo cannot read raises
`DirectoryFormatError` with the record's index in the array and about where in the file (bytes read so far).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson

from allo.directory.fields import BadRecord, body_from_record
from allo.directory.records import Body
from allo.errors import AlloError


class DirectoryFormatError(AlloError):
    def __init__(self, message: str, *, index: int | None = None, offset: int | None = None) -> None:
        self.index, self.offset, self.reason = index, offset, message
        where = [f"record service[{index}]" if index is not None else "", f"near byte {offset}" if offset else ""]
        prefix = ", ".join(w for w in where if w)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class CountingReader:
    """A binary file over bytes, a file or chunks, that counts the bytes handed to the parser (the progress bar
    and the error offsets); `peek` reads the first non-blank byte to tell the two top-level shapes apart."""

    def __init__(self, source: bytes | IO[bytes] | Iterable[bytes]) -> None:
        if isinstance(source, (bytes, bytearray)):
            source = [bytes(source)]
        self._file: IO[bytes] | None = None
        self._chunks: Iterator[bytes] | None = None
        if hasattr(source, "read"):
            self._file = source  # type: ignore[assignment]
        else:
            self._chunks = iter(source)
        self._buffer = b""
        self.offset = 0

    def _next_chunk(self, size: int) -> bytes:
        if self._file is not None:
            return self._file.read(size)
        return next(self._chunks, b"") if self._chunks is not None else b""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 16
        while not self._buffer:
            chunk = self._next_chunk(size)
            if not chunk:
                return b""
            self._buffer = chunk
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.offset += len(out)
        return out

    def peek(self) -> bytes:
        while True:
            stripped = self._buffer.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                return stripped[:1]
            chunk = self._next_chunk(1 << 16)
            if not chunk:
                return b""
            self._buffer += chunk


@dataclass(frozen=True, slots=True)
class Parsed:
    """A record's position and either its body or why it cannot be kept (`--skip-bad` lists those)."""

    index: int
    offset: int
    body: Body | None
    error: str | None
    raw_id: str = ""  # the bad record's "id" when it has one: a full import does not retire that body


def parse_records(reader: CountingReader) -> Iterator[Parsed]:
    """Every record in order. A record without id or name is a `Parsed` with `error` (the import decides); a file
    that is not the export's JSON raises `DirectoryFormatError`."""
    first = reader.peek()
    if first not in (b"{", b"["):
        raise DirectoryFormatError("not a directory export: expected {\"service\": [ … ]} (JSON)",
                                   offset=reader.offset)
    prefix = "item" if first == b"[" else "service.item"
    index = 0
    records: Iterator[Any] = ijson.items(reader, prefix, use_float=True)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise DirectoryFormatError(f"invalid JSON ({_short(exc)})", index=index, offset=reader.offset) from exc
        try:
            yield Parsed(index, reader.offset, body_from_record(record), None)
        except BadRecord as exc:
            raw_id = record.get("id") if isinstance(record, dict) else None
            yield Parsed(index, reader.offset, None, str(exc), raw_id if isinstance(raw_id, str) else "")
        index += 1
    if index == 0:
        raise DirectoryFormatError("no body found: the file must hold {\"service\": [ record, … ]} with at least "
                                   "one record", offset=reader.offset)


def iter_bodies(source: bytes | IO[bytes] | Iterable[bytes]) -> Iterator[Body]:
    """Bodies only; the first bad record raises `DirectoryFormatError` with its index."""
    for parsed in parse_records(CountingReader(source)):
        if parsed.body is None:
            raise DirectoryFormatError(parsed.error or "bad record", index=parsed.index, offset=parsed.offset)
        yield parsed.body


def _short(exc: Exception) -> str:
    message = " ".join(str(exc).split())
    return message[:200]
