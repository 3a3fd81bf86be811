"""The rules editor's workflow: one draft per user, edits, preview, publish, rollback; every change audited.

Each function runs in the caller's session and commits what it changed together with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from allo.audit.record import audit
from allo.auth.roles import Principal
from allo.db.admin_models import RulesDraft, RulesVersion
from allo.rules.apply import apply_edit as apply_to_document
from allo.rules.budget import MenuTiming, budget_warnings, main_path_listening
from allo.rules.document import RulesDocument, to_snapshot
from allo.rules.edits import ClearTopical, Edit, RotateCode, RulesEditError, SetRecording, SetTopical
from allo.rules.escalations import escalation_warnings
from allo.rules.tables import CODE_PROMPTS
from allo.rules.topical import window_problems
from allo.rules.validate import Problem, validate
from allo.rules.versions import current_version, get_version, lock, publish_document
from ivr.simulate import simulate
from routing.calendar_types import PARIS
from routing.rules import RulesSnapshot


class StaleDraftError(Exception):
    """Someone published since the draft was started: publishing it would undo their change."""

    def __init__(self, based_on: int | None, latest: RulesVersion) -> None:
        when = latest.published_at.astimezone(PARIS)
        super().__init__(f"La version {latest.id} a été publiée par {latest.published_by} le {when:%d/%m/%Y à %H:%M} "
                         f"après le début de votre brouillon (parti de la version {based_on}) : abandonnez votre "
                         "brouillon et refaites vos modifications")
        self.latest = latest.id


@dataclass(frozen=True)
class Draft:
    author: str
    based_on: int | None
    latest: int  # the latest published version; based_on != latest means the draft is stale
    document: RulesDocument
    problems: list[Problem]
    changed: bool  # differs from the version it is based on
    warnings: list[Problem] = field(default_factory=list)  # shown, never blocking (the main path's time budget)
    main_path_s: float | None = None  # what a caller who presses nothing listens to before level 1

    def to_json(self) -> dict[str, Any]:
        return {"author": self.author, "based_on": self.based_on, "latest": self.latest,
                "stale": self.based_on != self.latest, "changed": self.changed, "document": self.document.public(),
                "problems": [p.to_json() for p in self.problems], "warnings": [p.to_json() for p in self.warnings],
                "main_path_s": self.main_path_s}


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Do two stored documents say the same thing? (JSON may differ in form, e.g. key order.)"""
    if a is None or b is None:
        return a is b
    return RulesDocument.model_validate(a) == RulesDocument.model_validate(b)


async def _draft_row(session: AsyncSession, who: Principal) -> tuple[RulesDraft, RulesVersion]:
    """The user's draft, started from (or, while unchanged, moved to) the latest version."""
    latest = await current_version(session)
    row = await session.get(RulesDraft, who.username, with_for_update=True)
    if row is None:
        row = RulesDraft(author=who.username, based_on=latest.id, document=latest.document)
        session.add(row)
    elif row.based_on != latest.id and (row.based_on is None or same(row.document, (
            await _version_document(session, row.based_on)))):
        row.based_on, row.document = latest.id, latest.document
    await session.flush()
    return row, latest


async def _version_document(session: AsyncSession, version_id: int) -> dict[str, Any] | None:
    version = await get_version(session, version_id)
    return version.document if version is not None else None


def _draft(row: RulesDraft, latest: RulesVersion, base: dict[str, Any] | None, timing: MenuTiming | None) -> Draft:
    document = RulesDocument.model_validate(row.document)
    timing = timing or MenuTiming()
    listening = main_path_listening(document, timing)
    warnings = budget_warnings(document, timing) + [Problem(path, message)
                                                    for path, message in escalation_warnings(document)]
    return Draft(row.author, row.based_on, latest.id, document, validate(document), not same(row.document, base),
                 warnings, round(listening.seconds, 1) if listening else None)


async def get_draft(session: AsyncSession, who: Principal, timing: MenuTiming | None = None) -> Draft:
    """`timing` (settings and sound durations) for the budget warning; without it, defaults and estimates."""
    row, latest = await _draft_row(session, who)
    base = await _version_document(session, row.based_on) if row.based_on is not None else None
    await session.commit()
    return _draft(row, latest, base, timing)


@dataclass(frozen=True)
class EditResult:
    draft: Draft
    plaintext_code: str | None = None  # rotate_code only: shown once, stored nowhere


async def apply_edit(session: AsyncSession, who: Principal, edit: Edit,
                     timing: MenuTiming | None = None, now: datetime | None = None) -> EditResult:
    """Apply `edit` to the user's draft; RulesEditError (and nothing saved) when it is refused. `now`: the routing
    clock (a topical message must end after it)."""
    _check_window(edit, now or datetime.now(UTC))
    row, latest = await _draft_row(session, who)
    try:
        new, plain = apply_to_document(RulesDocument.model_validate(row.document), edit)
    except RulesEditError:
        await session.rollback()
        raise
    row.document = new.to_json()
    row.updated_at = datetime.now(UTC)
    audit(session, who, "rules.edit", edit.op, edit=edit.model_dump(mode="json", exclude={"code"}
                                                                     if isinstance(edit, RotateCode) else None))
    base = await _version_document(session, row.based_on) if row.based_on is not None else None
    await session.commit()
    return EditResult(_draft(row, latest, base, timing), plain)


def _check_window(edit: Edit, now: datetime) -> None:
    if isinstance(edit, SetTopical):
        ends = edit.ends if edit.ends.tzinfo else edit.ends.replace(tzinfo=PARIS)
        starts = edit.starts if edit.starts is None or edit.starts.tzinfo else edit.starts.replace(tzinfo=PARIS)
        problems = window_problems(starts, ends, now)
        if problems:
            raise RulesEditError([Problem(path, message) for path, message in problems])


async def publish_topical(session: AsyncSession, who: Principal, edit: SetTopical | ClearTopical,
                          now: datetime) -> RulesVersion:
    """One click: the latest version with the topical message set (or withdrawn), validated, published as a new
    version and audited — the editor's path, without touching anybody's draft (drafts started before it become
    stale, like after any publication). `now`: the routing clock."""
    _check_window(edit, now)
    await lock(session)
    latest = await current_version(session)
    try:
        document, _ = apply_to_document(RulesDocument.model_validate(latest.document), edit)
    except RulesEditError:
        await session.rollback()
        raise
    problems = validate(document)
    if problems:
        await session.rollback()
        raise RulesEditError(problems)
    if isinstance(edit, SetTopical):
        comment = f"message d'actualité : « {document.topical.text if document.topical else ''} »"
    else:
        comment = "message d'actualité retiré"
    version = await publish_document(session, document, who.username, comment)
    audit(session, who, "rules.topical", f"version {version.id}", version=version.id, based_on=latest.id,
          edit=edit.model_dump(mode="json"), rules_version=version.rules_version)
    await session.commit()
    return version


async def discard_draft(session: AsyncSession, who: Principal) -> bool:
    result = await session.execute(delete(RulesDraft).where(RulesDraft.author == who.username))
    found = bool(getattr(result, "rowcount", 0))
    if found:
        audit(session, who, "rules.discard")
    await session.commit()
    return found


# What a caller notices (the trace names the rules version, which always differs).
SAME_WHEN = ("outcome", "route", "queue", "sector", "closed_service", "menus", "prompts")


async def preview(document: RulesDocument, live: RulesSnapshot, at: datetime, keys: list[str],
                  timing: MenuTiming | None = None) -> dict[str, Any]:
    """What a call at `at` pressing `keys` does with the draft, and with the live rules (before → after), and how
    long the caller listens on each (a prompt the draft rewords is estimated: its sound file says the old text)."""
    timing = timing or MenuTiming()
    durations = timing.durations
    unchanged = {name: seconds for name, seconds in durations.items()
                 if document.prompts.get(name) == live.prompts.get(name)}
    replays = timing.no_input_replays
    draft = await simulate(to_snapshot(document, 0), at, keys, no_input_replays=replays, durations=unchanged)
    now = await simulate(live, at, keys, no_input_replays=replays, durations=durations)
    same = all(draft[key] == now[key] for key in SAME_WHEN)
    return {"draft": draft, "live": now, "same": same}


async def publish(session: AsyncSession, who: Principal, comment: str) -> RulesVersion:
    """Make the user's draft live; RulesEditError when invalid or unchanged, StaleDraftError when out of date."""
    await lock(session)
    row = await session.get(RulesDraft, who.username, with_for_update=True)
    latest = await current_version(session)
    if row is None or same(row.document, latest.document):
        await session.rollback()
        raise RulesEditError([Problem("draft", "Rien à publier : votre brouillon est identique aux règles en service")])
    if row.based_on != latest.id:
        stale = StaleDraftError(row.based_on, latest)  # before the rollback expires the rows
        await session.rollback()
        raise stale
    document = RulesDocument.model_validate(row.document)
    problems = validate(document)
    if problems:
        await session.rollback()
        raise RulesEditError(problems)
    version = await publish_document(session, document, who.username, comment)
    await session.delete(row)
    audit(session, who, "rules.publish", f"version {version.id}", version=version.id, based_on=latest.id,
          comment=comment, rules_version=version.rules_version)
    await session.commit()
    return version


def with_code_prompts(target: RulesDocument, latest: RulesDocument) -> RulesDocument:
    """`target` with the prompts the code says that it lacks (a version older than them): publishing never deletes
    those (tables.CODE_PROMPTS), and the survey's checks need its prompts."""
    missing = {name: text for name, text in latest.prompts.items()
               if name in CODE_PROMPTS and name not in target.prompts}
    if missing:
        target = target.model_copy(update={"prompts": {**target.prompts, **missing}})
    return target


async def rollback(session: AsyncSession, who: Principal, version_id: int, comment: str) -> RulesVersion:
    """Publish version `version_id`'s document again, as a new version."""
    latest = await current_version(session)
    target = await get_version(session, version_id)
    if target is None:
        await session.rollback()
        raise RulesEditError([Problem("version", f"La version {version_id} n'existe pas")])
    if same(target.document, latest.document):
        await session.rollback()
        raise RulesEditError([Problem("version", f"La version {version_id} est déjà celle des règles en service")])
    document = with_code_prompts(RulesDocument.model_validate(target.document),
                                 RulesDocument.model_validate(latest.document))
    problems = validate(document)
    if problems:
        await session.rollback()
        raise RulesEditError(problems)
    version = await publish_document(session, document, who.username, comment or f"retour à la version {version_id}",
                                     rollback_of=version_id)
    audit(session, who, "rules.rollback", f"version {version.id}", version=version.id, rollback_of=version_id,
          previous=latest.id, comment=comment)
    await session.commit()
    return version


async def attach_recording(session: AsyncSession, who: Principal, prompt: str, recording_id: int) -> Draft:
    """Put an uploaded recording in the user's draft (it plays once the draft is published)."""
    result = await apply_edit(session, who, SetRecording(op="set_recording", name=prompt, recording_id=recording_id))
    return result.draft
