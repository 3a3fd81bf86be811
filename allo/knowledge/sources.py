"""The files of an answer-sheet archive: a folder or a zip (the DILA's is flat), only `F<digits>.xml` and
`N<digits>.xml` (the index files `menu.xml`, `arborescence.xml`... and the `R` resources are counted as ignored)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from allo.errors import AlloError

SHEET_FILE = re.compile(r"^[FN]\d+\.xml$")


class SourceError(AlloError):
    """The path is neither a folder nor a zip archive that can be read."""


@dataclass
class Archive:
    path: Path
    names: list[str]  # sheet files, sorted
    ignored: int

    def read(self) -> Iterator[tuple[str, bytes]]:
        if self.path.is_dir():
            for name in self.names:
                yield name, (self.path / name).read_bytes()
            return
        with zipfile.ZipFile(self.path) as archive:
            for name in self.names:
                yield PurePosixPath(name).name, archive.read(name)


def open_archive(path: Path) -> Archive:
    """List the sheet files of a folder (not recursive) or a zip (any depth: the name is what counts)."""
    if path.is_dir():
        files = [p.name for p in path.iterdir() if p.is_file()]
        names = sorted(n for n in files if SHEET_FILE.match(n))
        return Archive(path, names, len(files) - len(names))
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            entries = [i.filename for i in archive.infolist() if not i.is_dir()]
        names = sorted((n for n in entries if SHEET_FILE.match(PurePosixPath(n).name)),
                       key=lambda n: PurePosixPath(n).name)
        return Archive(path, names, len(entries) - len(names))
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    raise SourceError(f"{path}: neither a folder nor a zip archive")
