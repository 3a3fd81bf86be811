"""The rules document read from, and written to, the rules tables (the tables stay what calls are routed on).

Writing happens inside the caller's transaction: every statement on a rules table bumps rules_meta.version and
NOTIFYs allo_rules, delivered at commit, so the FastAGI processes reload the whole change at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callbacks.prompts import CALLBACK_PROMPTS
from allo.db.after_call_models import SurveySettingsRow
from allo.db.knowledge_models import KbEscalation
from allo.db.models import Queue
from allo.db.rules_models import (
    AccessCodeRow,
    CalendarExceptionRow,
    CalendarPeriodRow,
    CalendarRow,
    MenuOptionRow,
    MenuRow,
    Prompt,
    ServiceRow,
    TopicalMessageRow,
)
from allo.rules.document import (
    QUEUE_THRESHOLDS,
    AccessCodeDoc,
    CalendarDoc,
    EscalationDoc,
    ExceptionDoc,
    MenuDoc,
    OptionDoc,
    PeriodDoc,
    QueueDoc,
    RulesDocument,
    SectorDoc,
    ServiceDoc,
    SurveyDoc,
    TopicalDoc,
)
from ivr.catalogue import PROMPTS
from routing.calendar_types import ExceptionKind
from routing.rules import MenuAction


async def document_from_tables(session: AsyncSession) -> RulesDocument:
    calendars = {c.name: CalendarDoc(public_holidays=c.public_holidays, holiday_subdivision=c.holiday_subdivision,
                                     timezone=c.timezone)
                 for c in await session.scalars(select(CalendarRow).order_by(CalendarRow.name))}
    periods = select(CalendarPeriodRow).order_by(CalendarPeriodRow.weekday, CalendarPeriodRow.opens)
    for p in await session.scalars(periods):
        calendars[p.calendar_name].weekly.setdefault(p.weekday, []).append(PeriodDoc(opens=p.opens, closes=p.closes))
    for e in await session.scalars(select(CalendarExceptionRow).order_by(CalendarExceptionRow.id)):
        calendars[e.calendar_name].exceptions.append(ExceptionDoc(
            kind=ExceptionKind(e.kind), starts_on=e.starts_on, ends_on=e.ends_on, opens=e.opens, closes=e.closes,
            message_prompt=e.message_prompt, message_text=e.message_text))
    services = {s.code: ServiceDoc(label=s.label, calendar=s.calendar_name, level=s.level,
                                   default_queue=s.default_queue)
                for s in await session.scalars(select(ServiceRow))}
    queues: dict[str, QueueDoc] = {}
    sectors: dict[str, SectorDoc] = {}
    for q in await session.scalars(select(Queue).order_by(Queue.id)):
        queues[q.name] = QueueDoc(label=q.label, **{field: getattr(q, field) for field in QUEUE_THRESHOLDS})
        if q.sector is not None:
            sectors[q.sector] = SectorDoc(label=q.label, queue=q.name, service=q.service_code or "specialist")
    menus = {m.name: MenuDoc(prompt=m.prompt, timeout_ms=m.timeout_ms)
             for m in await session.scalars(select(MenuRow))}
    for o in await session.scalars(select(MenuOptionRow).order_by(MenuOptionRow.menu_name, MenuOptionRow.digit)):
        menus[o.menu_name].options[o.digit] = OptionDoc(
            action=MenuAction(o.action), label=o.label, target_menu=o.target_menu, queue=o.queue, sector=o.sector,
            service=o.service, prompt=o.prompt, external_number=o.external_number)
    prompt_rows = list(await session.scalars(select(Prompt).order_by(Prompt.name)))
    codes = [AccessCodeDoc(id=c.id, label=c.label, service=c.service_code, sector=c.sector,
                           code_hash=c.code_hash.hex(), salt=c.salt.hex(), iterations=c.iterations)
             for c in await session.scalars(select(AccessCodeRow).where(AccessCodeRow.active)
                                            .order_by(AccessCodeRow.id))]
    topical = await session.get(TopicalMessageRow, 1, populate_existing=True)
    escalations = {e.target_id: EscalationDoc(sector=e.sector, pivot=e.pivot, instruction=e.instruction)
                   for e in await session.scalars(select(KbEscalation).order_by(KbEscalation.target_id)
                                                  .execution_options(populate_existing=True))}
    survey = await session.get(SurveySettingsRow, 1, populate_existing=True)
    return RulesDocument(calendars=calendars, services=services, sectors=sectors, queues=queues, menus=menus,
                         prompts={p.name: p.text for p in prompt_rows},
                         recordings={p.name: p.recording_id for p in prompt_rows if p.recording_id is not None},
                         access_codes=codes,
                         topical=None if topical is None else TopicalDoc(
                             prompt=topical.prompt, text=topical.text, starts=topical.starts_at,
                             ends=topical.ends_at, enabled=topical.enabled),
                         escalations=escalations,
                         survey=SurveyDoc() if survey is None else SurveyDoc(enabled=survey.enabled,
                                                                             one_in=survey.one_in))


CODE_PROMPTS = frozenset({*PROMPTS, *CALLBACK_PROMPTS})  # the code says them: never deleted


async def _write_prompts(session: AsyncSession, old: RulesDocument, new: RulesDocument) -> None:
    """Upsert texts and recordings (deleting the ones ops made that `new` no longer has: after the rows that
    refer to them, see _delete_prompts)."""
    for name, text in new.prompts.items():
        recording = new.recordings.get(name)
        if name not in old.prompts:
            session.add(Prompt(name=name, text=text, recording_id=recording))
        elif old.prompts[name] != text or old.recordings.get(name) != recording:
            await session.execute(update(Prompt).where(Prompt.name == name)
                                  .values(text=text, recording_id=recording, updated_at=datetime.now(UTC)))
    await session.flush()


async def _delete_prompts(session: AsyncSession, old: RulesDocument, new: RulesDocument) -> None:
    gone = [name for name in old.prompts if name not in new.prompts and name not in CODE_PROMPTS]
    if gone:
        await session.execute(delete(Prompt).where(Prompt.name.in_(gone)))


async def _write_calendars(session: AsyncSession, new: RulesDocument) -> None:
    await session.execute(delete(CalendarPeriodRow))
    await session.execute(delete(CalendarExceptionRow))
    for name, cal in new.calendars.items():
        await session.execute(update(CalendarRow).where(CalendarRow.name == name).values(
            public_holidays=cal.public_holidays, holiday_subdivision=cal.holiday_subdivision, timezone=cal.timezone))
        rows = [{"calendar_name": name, "weekday": day, "opens": p.opens, "closes": p.closes}
                for day, periods in sorted(cal.weekly.items()) for p in periods]
        if rows:
            await session.execute(insert(CalendarPeriodRow), rows)
        for e in cal.exceptions:  # one by one: ids follow the document's order
            await session.execute(insert(CalendarExceptionRow).values(
                calendar_name=name, **e.model_dump(exclude={"kind"}), kind=e.kind.value))


async def _write_menus(session: AsyncSession, new: RulesDocument) -> None:
    await session.execute(delete(MenuOptionRow))
    for name, menu in new.menus.items():
        await session.execute(update(MenuRow).where(MenuRow.name == name)
                              .values(prompt=menu.prompt, timeout_ms=menu.timeout_ms))
    rows = [{"menu_name": name, "digit": digit, **o.model_dump(exclude={"action"}), "action": o.action.value}
            for name, menu in new.menus.items() for digit, o in sorted(menu.options.items())]
    if rows:
        await session.execute(insert(MenuOptionRow), rows)


async def _write_queues(session: AsyncSession, old: RulesDocument, new: RulesDocument) -> None:
    for name, queue in new.queues.items():
        if old.queues.get(name) != queue:
            await session.execute(update(Queue).where(Queue.name == name)
                                  .values(label=queue.label, **queue.model_dump(include=set(QUEUE_THRESHOLDS))))
    if old.sectors != new.sectors:
        await session.execute(update(Queue).where(Queue.sector.is_not(None)).values(sector=None))
        for code, sector in new.sectors.items():
            await session.execute(update(Queue).where(Queue.name == sector.queue).values(
                sector=code, label=sector.label, service_code=sector.service))


async def _write_codes(session: AsyncSession, old: RulesDocument, new: RulesDocument) -> dict[int, int]:
    """Retire the codes absent from `new`, reactivate the ones it lists again (rollback), insert the new ones."""
    now = datetime.now(UTC)
    keep = {c.id for c in new.access_codes if c.id > 0}
    retired = [c.id for c in old.access_codes if c.id not in keep]
    if retired:
        await session.execute(update(AccessCodeRow).where(AccessCodeRow.id.in_(retired))
                              .values(active=False, retired_at=now))
    revived = keep - {c.id for c in old.access_codes}
    if revived:
        await session.execute(update(AccessCodeRow).where(AccessCodeRow.id.in_(revived))
                              .values(active=True, retired_at=None))
    ids: dict[int, int] = {}
    for code in new.access_codes:
        if code.id < 0:
            ids[code.id] = int(await session.scalar(insert(AccessCodeRow).values(
                label=code.label, service_code=code.service, sector=code.sector,
                code_hash=bytes.fromhex(code.code_hash), salt=bytes.fromhex(code.salt), iterations=code.iterations,
                active=True).returning(AccessCodeRow.id)) or 0)
    return ids


async def _write_topical(session: AsyncSession, topical: TopicalDoc | None) -> None:
    await session.execute(delete(TopicalMessageRow))
    if topical is not None:
        await session.execute(insert(TopicalMessageRow).values(
            id=1, prompt=topical.prompt, text=topical.text, starts_at=topical.starts, ends_at=topical.ends,
            enabled=topical.enabled))


async def _write_escalations(session: AsyncSession, old: RulesDocument, new: RulesDocument) -> None:
    gone = [target for target in old.escalations if target not in new.escalations]
    if gone:
        await session.execute(delete(KbEscalation).where(KbEscalation.target_id.in_(gone)))
    for target, escalation in new.escalations.items():
        if old.escalations.get(target) != escalation:
            await session.execute(pg_insert(KbEscalation).values(target_id=target, **escalation.model_dump())
                                  .on_conflict_do_update(index_elements=[KbEscalation.target_id],
                                                         set_=escalation.model_dump()))


async def _write_survey(session: AsyncSession, survey: SurveyDoc) -> None:
    values = {"enabled": survey.enabled, "one_in": survey.one_in}
    await session.execute(pg_insert(SurveySettingsRow).values(id=1, **values)
                          .on_conflict_do_update(index_elements=[SurveySettingsRow.id], set_=values))


async def write_tables(session: AsyncSession, new: RulesDocument) -> RulesDocument:
    """Make the tables say `new` (in the caller's transaction); returns `new` with the ids of its new codes."""
    old = await document_from_tables(session)
    await _write_prompts(session, old, new)
    if old.calendars != new.calendars:
        await _write_calendars(session, new)
    for code, service in new.services.items():
        if old.services.get(code) != service:
            await session.execute(update(ServiceRow).where(ServiceRow.code == code).values(
                label=service.label, calendar_name=service.calendar, level=service.level,
                default_queue=service.default_queue))
    if old.menus != new.menus:
        await _write_menus(session, new)
    await _write_queues(session, old, new)
    if old.topical != new.topical:
        await _write_topical(session, new.topical)
    if old.escalations != new.escalations:
        await _write_escalations(session, old, new)
    if old.survey != new.survey:
        await _write_survey(session, new.survey)
    await _delete_prompts(session, old, new)
    ids = await _write_codes(session, old, new)
    published = new.model_copy(deep=True)
    for access in published.access_codes:
        access.id = ids.get(access.id, access.id)
    return published
