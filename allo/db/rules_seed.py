"""Default rules from the real 3939 service (../shared/seeds-digest.md), and access-code rotation."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.knowledge_models import KbEscalation
from allo.db.models import Queue
from allo.db.rules_models import (
    AccessCodeRow,
    CalendarPeriodRow,
    CalendarRow,
    MenuOptionRow,
    MenuRow,
    Prompt,
    ServiceRow,
)
from routing.calendar_types import PARIS_NAME
from routing.rules import LEVEL1_QUEUE, PBKDF2_ITERATIONS, hash_code
from routing.service_hours import GENERAL_WEEKLY, SPECIALIST_WEEKLY

SECTOR_DIGITS = {"1": "interieur", "2": "travail", "3": "consommation", "4": "justice", "5": "fiscalite",
                 "6": "logement"}
TAX_INFORMATION_NUMBER = "0809401401"
# The demo knowledge base's themes and sheets (allo/knowledge/demo): a real deployment replaces these ids with the
# real archive's (e.g. N19806 « Travail ») through the rules editor (docs/knowledge.md, "Escalation sheets").
ESCALATIONS: tuple[tuple[str, str | None, str | None, str], ...] = (
    ("N90100", "interieur", None, "Transférer au pôle Intérieur si le dossier de l'appelant pose un cas particulier"),
    ("N90200", "travail", None, "Transférer au pôle Droit du travail si la question porte sur un cas particulier"),
    ("N90300", "consommation", None, "Transférer au pôle Consommation pour un litige déjà engagé avec un vendeur"),
    ("N90400", "justice", None, "Transférer au pôle Justice si une procédure est en cours"),
    ("N90500", "fiscalite", None, "Transférer au pôle Fiscalité pour un calcul d'impôt ou une situation particulière"),
    ("N90600", "logement", None, "Transférer au pôle Logement-Urbanisme si la question porte sur un cas particulier"),
    ("N90610", None, "caf", "Orienter vers la Caf de l'appelant pour le calcul ou le versement de l'aide"),
    ("F90621", None, "mairie", "Orienter vers la mairie de la commune du terrain pour déposer la demande"),
    ("F90631", None, "adil", "Orienter vers l'Adil du département pour un conseil juridique gratuit"),
    ("F90213", None, "ddets", "Orienter vers l'inspection du travail (DDETS) pour l'homologation de la rupture"),
    ("F90411", None, "caf", "Orienter vers la Caf pour une pension alimentaire impayée (Aripa)"),
    ("F90511", None, "sip", "Orienter vers le service des impôts des particuliers pour un cas individuel"),
)


async def _seed_prompts(session: AsyncSession, catalogue: Mapping[str, str]) -> int:
    known = set((await session.scalars(select(Prompt.name))).all())
    missing = [Prompt(name=name, text=text) for name, text in catalogue.items() if name not in known]
    session.add_all(missing)
    return len(missing)


async def seed_rules(session: AsyncSession, catalogue: Mapping[str, str]) -> dict[str, int]:
    """Idempotent: each group of rules is seeded only while its table is empty (ops changes are kept)."""
    created = {"prompts": await _seed_prompts(session, catalogue)}
    await session.flush()
    if not await session.scalar(select(func.count()).select_from(CalendarRow)):
        for name, hours in (("general", GENERAL_WEEKLY), ("specialist", SPECIALIST_WEEKLY)):
            session.add(CalendarRow(name=name, timezone=PARIS_NAME, public_holidays=True))
            await session.flush()
            for weekday, periods in hours.items():
                for period in periods:
                    session.add(CalendarPeriodRow(calendar_name=name, weekday=weekday, opens=period.opens,
                                                  closes=period.closes))
        created["calendars"] = 2
    if not await session.scalar(select(func.count()).select_from(ServiceRow)):
        session.add_all([
            ServiceRow(code="general", label="Ligne générale (niveau 1)", calendar_name="general", level=1,
                       default_queue=LEVEL1_QUEUE),
            ServiceRow(code="specialist", label="Service spécialisé sur code d'accès (niveau 2)",
                       calendar_name="specialist", level=2, default_queue="l2-interieur"),
        ])
        await session.flush()
        await session.execute(update(Queue).where(Queue.level == 1).values(service_code="general"))
        await session.execute(update(Queue).where(Queue.level == 2).values(service_code="specialist"))
        created["services"] = 2
    if not await session.scalar(select(func.count()).select_from(MenuRow)):
        session.add_all([MenuRow(name="main", prompt="allo/menu-principal", timeout_ms=5000),
                         MenuRow(name="secteurs", prompt="allo/menu-secteurs", timeout_ms=5000)])
        await session.flush()
        session.add_all([
            MenuOptionRow(menu_name="main", digit="1", action="queue", label="Question générale", queue=LEVEL1_QUEUE),
            MenuOptionRow(menu_name="main", digit="2", action="access_code", label="Service spécialisé (code)",
                          service="specialist", target_menu="secteurs"),
            MenuOptionRow(menu_name="main", digit="3", action="info_hangup", label="Informations en ligne",
                          prompt="allo/info-service-public"),
            MenuOptionRow(menu_name="main", digit="4", action="external_number", label="Impôts",
                          prompt="allo/info-impots", external_number=TAX_INFORMATION_NUMBER),
            MenuOptionRow(menu_name="main", digit="5", action="callback", label="Être rappelé"),
            *[MenuOptionRow(menu_name="secteurs", digit=digit, action="queue", label=sector, sector=sector)
              for digit, sector in SECTOR_DIGITS.items()],
        ])
        created["menus"] = 2
    if not await session.scalar(select(func.count()).select_from(KbEscalation)):
        session.add_all([KbEscalation(target_id=target, sector=sector, pivot=pivot, instruction=instruction)
                         for target, sector, pivot, instruction in ESCALATIONS])
        created["escalations"] = len(ESCALATIONS)
    await session.commit()
    return created


def new_code_digits(length: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


async def rotate_access_code(session: AsyncSession, *, service: str = "specialist", sector: str | None = None,
                             code: str | None = None, label: str = "") -> str:
    """Create a new active code (returned once, in clear) and retire the previous ones of the same scope."""
    plain = code or new_code_digits()
    if not (plain.isascii() and plain.isdigit()) or not 4 <= len(plain) <= 12:
        raise ValueError("an access code is 4 to 12 digits")
    scope = (AccessCodeRow.service_code == service) & (
        AccessCodeRow.sector.is_(None) if sector is None else AccessCodeRow.sector == sector)
    await session.execute(update(AccessCodeRow).where(scope, AccessCodeRow.active)
                          .values(active=False, retired_at=datetime.now(UTC)))
    salt = secrets.token_bytes(16)
    session.add(AccessCodeRow(label=label or f"{service}/{sector or 'all sectors'}", service_code=service,
                              sector=sector, code_hash=hash_code(plain, salt, PBKDF2_ITERATIONS), salt=salt,
                              iterations=PBKDF2_ITERATIONS, active=True))
    await session.commit()
    return plain


async def has_active_code(session: AsyncSession, service: str = "specialist") -> bool:
    count = await session.scalar(select(func.count()).select_from(AccessCodeRow)
                                 .where(AccessCodeRow.service_code == service, AccessCodeRow.active))
    return bool(count)
