"""Where an import reads the export from: the JSON file itself, or the JSON member of a .zip or a .tar.bz2 (the
DILA's real archive), streamed from the archive, never extracted to disk."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from allo.errors import AlloError


class SourceError(AlloError):
    """The file cannot be opened, or the archive holds no JSON file."""


@dataclass(frozen=True, slots=True)
class Source:
    stream: IO[bytes]
    size: int | None  # uncompressed bytes, for the progress bar (None: unknown)
    name: str  # what kb_imports records: the file name, and the member's for an archive


def _is_tar(path: Path) -> bool:
    return any(path.name.endswith(ext) for ext in (".tar", ".tar.bz2", ".tbz2", ".tar.gz", ".tgz", ".tar.xz"))


@contextmanager
def open_source(path: Path) -> Iterator[Source]:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if m.filename.endswith(".json") and not m.is_dir()]
                if not members:
                    raise SourceError(f"{path.name}: the zip holds no .json file")
                member = max(members, key=lambda m: m.file_size)
                with archive.open(member) as stream:
                    yield Source(stream, member.file_size, f"{path.name}:{member.filename}")
            return
        if _is_tar(path):
            # Stream mode ("r|*"): one pass through the compressed file, the member read as it is decompressed.
            with tarfile.open(path, "r|*") as archive:
                for info in archive:
                    if info.isfile() and info.name.endswith(".json"):
                        extracted = archive.extractfile(info)
                        if extracted is None:
                            continue
                        yield Source(extracted, info.size, f"{path.name}:{info.name}")
                        return
            raise SourceError(f"{path.name}: the archive holds no .json file")
        with path.open("rb") as stream:
            yield Source(stream, path.stat().st_size, path.name)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise SourceError(f"{path.name}: cannot read it ({exc})") from exc
