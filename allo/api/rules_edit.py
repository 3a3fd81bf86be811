"""The rules editor's JSON API: a draft per user, edits, preview, publish, versions, diff, rollback, recordings.

Refused edits and publications answer 422 `{"detail": {"problems": [{"path", "message"}]}}`; a draft made
before someone else's publication answers 409 with the same shape (and `latest`, the version to start from).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, HTTPException, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from allo.audit.record import audit
from allo.auth.deps import require
from allo.auth.roles import Principal, Role
from allo.db.admin_models import PromptRecording
from allo.http.params import RowId
from allo.rules import editor
from allo.rules.diff import diff
from allo.rules.document import RulesDocument
from allo.rules.edits import RulesEditError, SetRecording, parse_edit
from allo.rules.load import load_rules
from allo.rules.recording_store import store_recording
from allo.rules.recordings import MAX_BYTES, RecordingError, convert
from allo.rules.validate import Problem
from allo.rules.versions import current_version, get_version, list_versions, version_summary
from allo.service import AlloService

Ops = Annotated[Principal, Depends(require(Role.OPS))]
OpsOrSupervisor = Annotated[Principal, Depends(require(Role.OPS, Role.SUPERVISOR))]

EDIT_HELP = ("One edit, discriminated on `op`: set_weekly, add_exception, remove_exception, set_holidays, set_menu, "
             "set_menu_option, remove_menu_option, set_prompt_text, set_recording, set_sector, set_queue, "
             "rotate_code, retire_code, set_topical, clear_topical, set_escalation, remove_escalation, "
             "set_survey (fields in docs/rules-editor.md).")


class PreviewRequest(BaseModel):
    at: datetime | None = None  # naive: Europe/Paris local time; absent: now
    keys: list[str] = []  # one entry per input: "1", "123456#", "" for a timeout


class CommentRequest(BaseModel):
    comment: str = ""


def refused(problems: list[Problem], code: int = 422,
            **extra: Any) -> HTTPException:
    return HTTPException(code, {"problems": [p.to_json() for p in problems], **extra})


def rules_edit_router(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["rules editor"])
    opened = _sessions(service)
    _draft_routes(router, service, opened)
    _version_routes(router, opened)
    _recording_routes(router, opened)
    return router


def _sessions(service: AlloService) -> Callable[[], AsyncSession]:
    def session() -> AsyncSession:
        return AsyncSession(service.engine, expire_on_commit=False)

    return session


async def _version_or_404(db: AsyncSession, version_id: int) -> RulesDocument:
    row = await get_version(db, version_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"la version {version_id} des règles n'existe pas")
    return RulesDocument.model_validate(row.document)


def _draft_routes(router: APIRouter, service: AlloService, session: Callable[[], AsyncSession]) -> None:
    """The published rules, my draft, its edits, preview and publication."""
    @router.get("/api/rules/current", summary="The published rules (latest version), access codes without hashes")
    async def current(_me: OpsOrSupervisor) -> dict[str, Any]:
        async with session() as db:
            row = await current_version(db)
            await db.commit()
            return {**version_summary(row), "document": RulesDocument.model_validate(row.document).public()}

    @router.get("/api/rules/draft", summary="My draft (started from the latest version on first access)")
    async def get_draft(me: Ops) -> dict[str, Any]:
        async with session() as db:
            return (await editor.get_draft(db, me, await service.menu_timing())).to_json()

    @router.post("/api/rules/draft/edits", description=EDIT_HELP,
                 summary="Apply one edit to my draft; 422 with readable problems when refused (nothing changes)")
    async def edit(me: Ops, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        try:
            parsed = parse_edit(body)
            async with session() as db:
                result = await editor.apply_edit(db, me, parsed, await service.menu_timing(), service.clock())
        except RulesEditError as exc:
            raise refused(exc.problems) from None
        return {"draft": result.draft.to_json(), "plaintext_code": result.plaintext_code}

    @router.delete("/api/rules/draft", summary="Discard my draft")
    async def discard(me: Ops) -> dict[str, bool]:
        async with session() as db:
            return {"discarded": await editor.discard_draft(db, me)}

    @router.post("/api/rules/draft/preview",
                 summary="Simulate a call on my draft and on the live rules: where it goes before → after")
    async def preview(me: Ops, body: PreviewRequest) -> dict[str, Any]:
        async with session() as db:
            draft = await editor.get_draft(db, me)
        async with session() as db:
            live = await load_rules(db)
        return await editor.preview(draft.document, live, body.at or service.clock(), body.keys,
                                    await service.menu_timing())

    @router.post("/api/rules/draft/publish",
                 summary="Publish my draft (422 if invalid, 409 if someone published since it was started)")
    async def publish(me: Ops, body: CommentRequest) -> dict[str, Any]:
        try:
            async with session() as db:
                version = await editor.publish(db, me, body.comment.strip())
        except RulesEditError as exc:
            raise refused(exc.problems) from None
        except editor.StaleDraftError as exc:
            raise refused([Problem("draft", str(exc))], status.HTTP_409_CONFLICT, latest=exc.latest) from None
        return version_summary(version)


def _version_routes(router: APIRouter, session: Callable[[], AsyncSession]) -> None:
    """Published versions: list, one, diff of two, rollback."""
    @router.get("/api/rules/versions", summary="Published versions, newest first (who, when, comment)")
    async def versions(_me: Ops) -> list[dict[str, object]]:
        async with session() as db:
            return [version_summary(row) for row in await list_versions(db)]

    @router.get("/api/rules/versions/{version_id}", summary="One published version with its document")
    async def version(_me: Ops, version_id: RowId) -> dict[str, Any]:
        async with session() as db:
            row = await get_version(db, version_id)
            if row is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"la version {version_id} des règles n'existe pas")
            return {**version_summary(row), "document": RulesDocument.model_validate(row.document).public()}

    @router.get("/api/rules/versions/{a}/diff/{b}", summary="What changed from version a to version b, path by path")
    async def versions_diff(_me: Ops, a: RowId, b: RowId) -> dict[str, Any]:
        async with session() as db:
            before, after = await _version_or_404(db, a), await _version_or_404(db, b)
        return {"from": a, "to": b, "changes": [change.to_json() for change in diff(before, after)]}

    @router.post("/api/rules/versions/{version_id}/rollback",
                 summary="Publish an earlier version again, as a new version")
    async def rollback(me: Ops, version_id: RowId, body: CommentRequest) -> dict[str, Any]:
        try:
            async with session() as db:
                version = await editor.rollback(db, me, version_id, body.comment.strip())
        except RulesEditError as exc:
            raise refused(exc.problems) from None
        return version_summary(version)


def _recording_routes(router: APIRouter, session: Callable[[], AsyncSession]) -> None:
    """Recordings uploaded for prompts: upload into my draft, listen."""
    @router.post("/api/prompts/{name:path}/recording",
                 summary="Upload a recording for a prompt (any audio sox reads, at most 120 s and 10 MB); it is "
                         "converted to 8 kHz mono and put in my draft: callers hear it once the draft is published")
    async def upload(me: Ops, name: str, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
        data = await file.read(MAX_BYTES + 1)
        try:
            converted = await convert(data)
        except RecordingError as exc:
            raise refused([Problem("file", f"Enregistrement refusé pour le message {name} : {exc}")]) from None
        try:
            async with session() as db:
                draft = await editor.get_draft(db, me)
                if name not in draft.document.prompts:
                    raise RulesEditError([Problem("name", f"Message inconnu : {name}")])
                row = await store_recording(db, name, converted.wav, me.username)
                audit(db, me, "prompt.upload", name, recording=row.id, seconds=round(converted.seconds, 2),
                      sha256=row.sha256, filename=file.filename or "")
                result = await editor.apply_edit(db, me, SetRecording(op="set_recording", name=name,
                                                                      recording_id=row.id))
        except RulesEditError as exc:
            raise refused(exc.problems) from None
        return {"recording_id": row.id, "prompt": name, "seconds": round(converted.seconds, 2),
                "sha256": row.sha256, "draft": result.draft.to_json()}

    @router.get("/api/prompts/recordings/{recording_id}", response_class=Response,
                responses={200: {"content": {"audio/wav": {}}}},
                summary="An uploaded recording, as the 8 kHz mono WAV callers hear")
    async def recording(_me: Ops, recording_id: RowId) -> Response:
        async with session() as db:
            row = await db.get(PromptRecording, recording_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"l'enregistrement {recording_id} n'existe pas")
        return Response(row.audio, media_type="audio/wav")
