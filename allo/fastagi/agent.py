"""The `agent` FastAGI route: feature codes dialled from an agent's phone (*11 log in, *12 log out, ...)."""

from __future__ import annotations

import contextlib
import logging

from acd.agents import AgentAction
from acd.errors import AcdError
from agi.errors import AgiError
from agi.session import AgiSession
from allo.agents.operations import (
    AgentOperations,
    NotPossibleNow,
    NotRecorded,
    UnknownAgent,
    agent_of_channel,
    perform,
)
from allo.db.desk_models import StateSource

log = logging.getLogger(__name__)

CONFIRMATIONS = {
    AgentAction.LOGIN: "allo/agent-connecte",
    AgentAction.LOGOUT: "allo/agent-deconnecte",
    AgentAction.PAUSE: "allo/agent-pause",
    AgentAction.RESUME: "allo/agent-reprise",
}
FAILURE = "allo/agent-echec"
PHONE_PAUSE_REASON = "telephone"  # a reason of desk_reasons that cannot be disabled (docs/desk.md)


class AgentCodeHandler:
    def __init__(self, agents: AgentOperations) -> None:
        self._agents = agents

    async def handle(self, session: AgiSession) -> None:
        username = agent_of_channel(session.channel)
        try:
            action = AgentAction(session.args.get("action", ""))
        except ValueError:
            log.warning("feature code with unknown action %r", session.args.get("action"))
            await self._say(session, FAILURE)
            return
        if username is None:
            await self._say(session, FAILURE)
            return
        try:
            await perform(self._agents, username, action, source=StateSource.PHONE,
                          actor=username, reason=PHONE_PAUSE_REASON if action is AgentAction.PAUSE else "")
        except (UnknownAgent, NotPossibleNow, NotRecorded, AcdError) as exc:
            log.warning("feature code %s for %s failed: %s", action.value, username, exc)
            await self._say(session, FAILURE)
            return
        await self._say(session, CONFIRMATIONS[action])

    @staticmethod
    async def _say(session: AgiSession, prompt: str) -> None:
        with contextlib.suppress(AgiError):  # the action is done; the confirmation is a courtesy
            await session.stream_file(prompt)
