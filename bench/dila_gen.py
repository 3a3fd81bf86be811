"""Generator of DILA-shaped data for the knowledge/directory bench, deterministic from a seed:

    python -m bench.dila_gen OUT_DIR [--sheets 5500] [--bodies 80000] [--seed 17]

writes OUT_DIR/vosdroits-latest.zip (a flat zip of N*.xml and F*.xml in the official « vosdroits » format,
bench/dila_sheets.py) and OUT_DIR/data.gouv_local.json (the « Annuaire de l'administration » export,
`{"service": [...]}`, bench/dila_annuaire.py). Both are streamed: one sheet or one body in memory at a time, so
generating the ~300 MB directory file stays within a few tens of MB.
"""

from __future__ import annotations

import argparse
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bench.dila_annuaire import write_annuaire
from bench.dila_sheets import iter_publications

ZIP_NAME = "vosdroits-latest.zip"
JSON_NAME = "data.gouv_local.json"


@dataclass(frozen=True)
class Generated:
    sheets_zip: Path
    sheets: int
    sheets_bytes: int  # uncompressed XML
    directory_json: Path
    bodies: int
    communes: int
    seconds: float


def write_sheets(path: Path, count: int, seed: int) -> int:
    """The zip of `count` publications; returns the uncompressed size in bytes."""
    size = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in iter_publications(seed, count):
            data = text.encode()
            size += len(data)
            archive.writestr(name, data)
    return size


def write_directory(path: Path, count: int, seed: int) -> int:
    """The JSON export of `count` bodies; returns the number of communes they are spread over."""
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        return write_annuaire(out, count, seed)


def generate(out_dir: Path, sheets: int, bodies: int, seed: int = 17) -> Generated:
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    zip_path, json_path = out_dir / ZIP_NAME, out_dir / JSON_NAME
    size = write_sheets(zip_path, sheets, seed)
    communes = write_directory(json_path, bodies, seed)
    return Generated(zip_path, sheets, size, json_path, bodies, communes, round(time.monotonic() - started, 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dila_gen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--sheets", type=int, default=5500)
    parser.add_argument("--bodies", type=int, default=80_000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    made = generate(args.out_dir, args.sheets, args.bodies, args.seed)
    print(f"{made.sheets} sheets ({made.sheets_bytes / 1e6:.1f} MB of XML) in {made.sheets_zip}; {made.bodies} "
          f"bodies over {made.communes} communes ({made.directory_json.stat().st_size / 1e6:.1f} MB) in "
          f"{made.directory_json}; {made.seconds} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
