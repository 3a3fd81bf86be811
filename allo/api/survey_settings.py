"""The survey's settings as published (ops and supervisors read them); ops change them in their draft with the
edit `set_survey` (POST /api/rules/draft/edits) and the prompts' texts with `set_prompt_text`, then publish."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from allo.auth.deps import require
from allo.auth.roles import Role
from allo.rules.document import RulesDocument
from allo.rules.survey import SURVEY_PROMPTS, summary
from allo.rules.versions import current_version
from allo.service import AlloService


class SurveyPromptOut(BaseModel):
    name: str
    label: str = Field(description="what the prompt is for, in French")
    text: str | None = Field(description="the French text (the text-to-speech source); null if missing")
    recording_id: int | None = Field(description="an uploaded recording played instead of the text")


class SurveySettingsOut(BaseModel):
    version: int = Field(description="the published rules version these settings are from")
    enabled: bool
    one_in: int = Field(description="one call in `one_in` is surveyed (1: every call)")
    summary: str = Field(examples=["Enquête de satisfaction : 1 appel sur 5"])
    prompts: list[SurveyPromptOut]


def survey_settings_router(service: AlloService) -> APIRouter:
    router = APIRouter(tags=["rules editor"])

    @router.get("/api/rules/survey", response_model=SurveySettingsOut,
                dependencies=[Depends(require(Role.OPS, Role.SUPERVISOR))],
                summary="The satisfaction survey as published: on or off, the share, its five prompts' texts "
                        "(change them with set_survey / set_prompt_text in a draft)")
    async def get_survey() -> SurveySettingsOut:
        async with AsyncSession(service.engine, expire_on_commit=False) as db:
            latest = await current_version(db)
            await db.commit()  # current_version may record a change made outside the editor
        doc = RulesDocument.model_validate(latest.document)
        return SurveySettingsOut(
            version=latest.id, enabled=doc.survey.enabled, one_in=doc.survey.one_in, summary=summary(doc.survey),
            prompts=[SurveyPromptOut(name=name, label=label, text=doc.prompts.get(name),
                                     recording_id=doc.recordings.get(name)) for name, label in SURVEY_PROMPTS])

    return router
