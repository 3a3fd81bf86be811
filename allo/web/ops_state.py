"""What every ops page needs: a database session, my draft, the live version, the draft's problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from allo.auth.roles import Principal
from allo.rules import editor
from allo.rules.document import RulesDocument
from allo.rules.edits import RulesEditError
from allo.rules.versions import get_version
from allo.service import AlloService


def problem_messages(error: RulesEditError) -> list[str]:
    return [problem.message for problem in error.problems] or [str(error)]


@dataclass(frozen=True)
class OpsView:
    draft: editor.Draft
    live_document: RulesDocument | None  # the latest published version's

    def context(self) -> dict[str, Any]:
        return {"draft": self.draft, "problems": self.draft.problems, "warnings": self.draft.warnings,
                "document": self.draft.document}


class OpsState:
    def __init__(self, service: AlloService) -> None:
        self.service = service
        self._sessions = async_sessionmaker(service.engine, expire_on_commit=False)

    def session(self) -> AsyncSession:
        return self._sessions()

    async def view(self, session: AsyncSession, me: Principal) -> OpsView:
        """My draft (created from the latest version on first access) and the latest published version."""
        draft = await editor.get_draft(session, me, await self.service.menu_timing())
        latest = await get_version(session, draft.latest)
        live = RulesDocument.model_validate(latest.document) if latest is not None else None
        return OpsView(draft, live)
