"""The rules snapshot: everything `decide` and the menu engine need, loaded at once from PostgreSQL."""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from routing.calendar_types import Calendar
from routing.survey import Survey

# The level-1 (generalist) queue: where every undecided, failed or refused call ends up, and the dialplan's own
# fallback (asterisk-conf/extensions.conf) when Python cannot be reached.
LEVEL1_QUEUE = "l1"


class MenuAction(enum.StrEnum):
    SUBMENU = "submenu"
    ACCESS_CODE = "access_code"
    QUEUE = "queue"
    INFO_HANGUP = "info_hangup"
    CALLBACK = "callback"
    EXTERNAL_NUMBER = "external_number"


@dataclass(frozen=True)
class Service:
    """A service with its own hours: "general" (level 1) or "specialist" (level 2, with access code)."""

    code: str
    label: str
    calendar: str  # Calendar.name
    level: int
    default_queue: str


@dataclass(frozen=True)
class Sector:
    code: str  # interieur, travail, consommation, justice, fiscalite, logement
    label: str
    queue: str
    service: str  # Service.code


@dataclass(frozen=True)
class MenuOption:
    digit: str
    action: MenuAction
    label: str = ""
    target_menu: str | None = None  # SUBMENU; ACCESS_CODE: the sector choice menu after a general code
    queue: str | None = None  # QUEUE
    sector: str | None = None  # QUEUE by sector (resolved to its queue); CALLBACK
    service: str | None = None  # ACCESS_CODE: the service it opens
    prompt: str | None = None  # INFO_HANGUP / EXTERNAL_NUMBER: what is said
    external_number: str | None = None  # EXTERNAL_NUMBER: digits said one by one


@dataclass(frozen=True)
class Menu:
    name: str
    prompt: str
    options: dict[str, MenuOption] = field(default_factory=dict)
    timeout_ms: int = 5000


PBKDF2_ITERATIONS = 20_000


def hash_code(code: str, salt: bytes, iterations: int = PBKDF2_ITERATIONS) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", code.encode(), salt, iterations)


@dataclass(frozen=True)
class AccessCode:
    """Only the salted PBKDF2 hash is kept; `sector` None opens every sector of the service."""

    id: int
    code_hash: bytes
    salt: bytes
    iterations: int = PBKDF2_ITERATIONS
    sector: str | None = None
    service: str = "specialist"

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(hash_code(code, self.salt, self.iterations), self.code_hash)


@dataclass(frozen=True)
class Topical:
    """The topical message: `prompt` said after the welcome, before the main menu, from `starts` (None: as soon
    as published) until `ends` (aware datetimes)."""

    prompt: str
    ends: datetime
    starts: datetime | None = None

    def active(self, now: datetime) -> bool:
        return (self.starts is None or self.starts <= now) and now < self.ends


@dataclass(frozen=True)
class RulesSnapshot:
    version: int
    services: dict[str, Service]
    calendars: dict[str, Calendar]
    sectors: dict[str, Sector]
    menus: dict[str, Menu]
    access_codes: tuple[AccessCode, ...] = ()
    prompts: dict[str, str] = field(default_factory=dict)  # catalogue: sound name -> French text
    root_menu: str = "main"
    level1_service: str = "general"
    topical: Topical | None = None  # enabled only; whether it plays depends on the time of the call
    survey: Survey = field(default_factory=Survey)  # the satisfaction survey's share (routing/survey.py)

    def sector_of_queue(self, queue: str) -> str | None:
        """The code of the sector whose queue this is (None: level 1 or no sector)."""
        return next((sector.code for sector in self.sectors.values() if sector.queue == queue), None)

    def service_of_queue(self, queue: str) -> Service | None:
        for service in self.services.values():
            if service.default_queue == queue:
                return service
        for sector in self.sectors.values():
            if sector.queue == queue:
                return self.services.get(sector.service)
        return None

    def check_code(self, code: str, service: str) -> AccessCode | None:
        """The matching active code of `service`, comparing every code (no early exit on a match)."""
        found: AccessCode | None = None
        for candidate in self.access_codes:
            if candidate.service == service and candidate.matches(code) and found is None:
                found = candidate
        return found
