"""Asterisk configuration files as Asterisk reads them: sections, templates, `(+)` additions and `#include`.

Only what decides security matters here, so the parser keeps every `key = value` in order (repeated keys such as
`match`, `permit` and `deny` are lists) and resolves templates the way Asterisk does: a section's options are
its templates' options, in order, followed by its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from allo.errors import ConfigError

HEADER = re.compile(r"^\[([^\]]+)\]\s*(?:\(([^)]*)\))?\s*$")
INCLUDE = re.compile(r"^#(try)?include\s+\"?([^\"]+?)\"?\s*$")
MAX_INCLUDE_DEPTH = 8


@dataclass
class Section:
    name: str
    source: str  # file the section starts in
    is_template: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The last value of `key` (a section's own value overrides its templates')."""
        values = self.get_all(key)
        return values[-1] if values else default

    def get_all(self, key: str) -> list[str]:
        key = key.lower()
        return [value for name, value in self.options if name == key]

    @property
    def where(self) -> str:
        return f"{self.source} [{self.name}]"


Reader = Callable[[str], str | None]  # file name -> its text, None when it does not exist


def _strip_comment(line: str) -> str:
    out, escaped = [], False
    for char in line:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            break
        else:
            out.append(char)
    return "".join(out).strip()


def _lines(name: str, read: Reader, depth: int = 0) -> list[tuple[str, str]]:
    """(file, line) pairs with comments removed and includes expanded in place."""
    if depth > MAX_INCLUDE_DEPTH:
        raise ConfigError(f"{name}: #include nested more than {MAX_INCLUDE_DEPTH} deep")
    text = read(name)
    if text is None:
        raise ConfigError(f"{name}: file not found")
    out: list[tuple[str, str]] = []
    in_block = False
    for raw in text.splitlines():
        rest = raw
        if in_block:
            if "--;" not in raw:
                continue
            in_block, rest = False, raw.split("--;", 1)[1]
        if rest.lstrip().startswith(";--") and "--;" not in rest:
            in_block = True
            continue
        line = _strip_comment(rest)
        include = INCLUDE.match(line)
        if include:
            optional, target = include.group(1) is not None, include.group(2).strip()
            if optional and read(target) is None:
                continue
            out += _lines(target, read, depth + 1)
        elif line:
            out.append((name, line))
    return out


def parse(name: str, read: Reader) -> list[Section]:
    """Every section of `name` (templates included, flagged), in file order."""
    sections: list[Section] = []
    current: Section | None = None
    for source, line in _lines(name, read):
        header = HEADER.match(line)
        if header:
            current = _open_section(sections, header.group(1).strip(), header.group(2), source)
            continue
        key, sep, value = line.partition("=")
        if not sep or current is None:
            raise ConfigError(f"{source}: cannot read {line!r}")
        current.options.append((key.strip().lower(), value.lstrip(">").strip()))
    return sections


def _open_section(sections: list[Section], name: str, flags: str | None, source: str) -> Section:
    parts = [p.strip() for p in (flags or "").split(",") if p.strip()]
    if "+" in parts:
        for existing in reversed(sections):
            if existing.name == name:
                return existing
        raise ConfigError(f"{source}: [{name}](+) adds to a section that does not exist")
    section = Section(name, source, is_template="!" in parts)
    for template in (p for p in parts if p != "!"):
        parent = next((s for s in sections if s.name == template), None)
        if parent is None:
            raise ConfigError(f"{source}: [{name}] inherits from unknown template {template!r}")
        section.options += parent.options
    sections.append(section)
    return section


def objects(sections: list[Section], type_: str | None = None) -> list[Section]:
    """The sections Asterisk turns into objects (not templates), optionally of one PJSIP `type`."""
    return [s for s in sections if not s.is_template and (type_ is None or s.get("type") == type_)]
