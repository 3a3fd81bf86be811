"""Read every rules table at once (one transaction) into an immutable RulesSnapshot."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.models import Queue
from allo.db.rules_models import (
    AccessCodeRow,
    CalendarExceptionRow,
    CalendarPeriodRow,
    CalendarRow,
    MenuOptionRow,
    MenuRow,
    Prompt,
    RulesMeta,
    ServiceRow,
)
from routing.calendar_types import Calendar, CalendarException, ExceptionKind, Period
from routing.rules import AccessCode, Menu, MenuAction, MenuOption, RulesSnapshot, Sector, Service


async def load_rules(session: AsyncSession) -> RulesSnapshot:
    """Consistent snapshot: REPEATABLE READ so that a concurrent publish is seen whole or not at all."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    version = await session.scalar(select(RulesMeta.version).where(RulesMeta.id == 1)) or 0
    weekly: dict[str, dict[int, list[Period]]] = defaultdict(lambda: defaultdict(list))
    for p in (await session.scalars(select(CalendarPeriodRow))):
        weekly[p.calendar_name][p.weekday].append(Period(p.opens, p.closes))
    exceptions: dict[str, list[CalendarException]] = defaultdict(list)
    for e in (await session.scalars(select(CalendarExceptionRow).order_by(CalendarExceptionRow.id))):
        periods = (Period(e.opens, e.closes),) if e.opens is not None and e.closes is not None else ()
        exceptions[e.calendar_name].append(CalendarException(ExceptionKind(e.kind), e.starts_on, e.ends_on, periods,
                                                             e.message_prompt, e.message_text))
    calendars = {
        c.name: Calendar(c.name, {day: tuple(sorted(ps)) for day, ps in weekly[c.name].items()},
                         tuple(exceptions[c.name]), c.public_holidays, c.holiday_subdivision, c.timezone)
        for c in (await session.scalars(select(CalendarRow)))
    }
    services = {s.code: Service(s.code, s.label, s.calendar_name, s.level, s.default_queue)
                for s in (await session.scalars(select(ServiceRow)))}
    sectors = {q.sector: Sector(q.sector, q.label, q.name, q.service_code or "specialist")
               for q in (await session.scalars(select(Queue).where(Queue.sector.is_not(None))))
               if q.sector is not None}
    options: dict[str, dict[str, MenuOption]] = defaultdict(dict)
    for o in (await session.scalars(select(MenuOptionRow))):
        options[o.menu_name][o.digit] = MenuOption(o.digit, MenuAction(o.action), o.label, o.target_menu, o.queue,
                                                   o.sector, o.service, o.prompt, o.external_number)
    menus = {m.name: Menu(m.name, m.prompt, dict(options[m.name]), m.timeout_ms)
             for m in (await session.scalars(select(MenuRow)))}
    codes = tuple(AccessCode(c.id, c.code_hash, c.salt, c.iterations, c.sector, c.service_code)
                  for c in (await session.scalars(select(AccessCodeRow).where(AccessCodeRow.active))))
    prompts = {p.name: p.text for p in (await session.scalars(select(Prompt)))}
    return RulesSnapshot(int(version), services, calendars, sectors, menus, codes, prompts)
