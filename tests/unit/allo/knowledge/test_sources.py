"""The files of an archive: a folder or a zip, sheet files only, the others counted."""

from __future__ import annotations

import zipfile

import pytest

from allo.knowledge.sources import SourceError, open_archive


def test_folder_and_zip(tmp_path) -> None:
    folder = tmp_path / "vosdroits"
    folder.mkdir()
    for name in ("F1.xml", "N22.xml", "R3.xml", "menu.xml", "F4.XML", "F5.xml.bak"):
        (folder / name).write_bytes(name.encode())
    listed = open_archive(folder)
    assert (listed.names, listed.ignored) == (["F1.xml", "N22.xml"], 4)
    assert dict(listed.read()) == {"F1.xml": b"F1.xml", "N22.xml": b"N22.xml"}
    archive = tmp_path / "vosdroits.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"inner/{path.name}")
    zipped = open_archive(archive)
    assert zipped.ignored == 4 and dict(zipped.read()) == {"F1.xml": b"F1.xml", "N22.xml": b"N22.xml"}


def test_neither_folder_nor_zip(tmp_path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        open_archive(tmp_path / "absent")
    text = tmp_path / "F1.xml"
    text.write_text("<Publication/>")
    with pytest.raises(SourceError, match="neither a folder nor a zip"):
        open_archive(text)
