"""The Channel interface over a FastAGI session."""

from __future__ import annotations

from agi.errors import AgiCommandError
from agi.session import AgiSession


class AgiChannel:
    def __init__(self, session: AgiSession) -> None:
        self._session = session

    async def play(self, prompt: str) -> bool:
        try:
            reply = await self._session.stream_file(prompt)
        except AgiCommandError:
            return False
        # result=-1 with endpos=0: the file was not found or could not be played.
        return reply.result != "-1"

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        return await self._session.get_data(prompt, timeout_ms, max_digits)

    async def set_variable(self, name: str, value: str) -> None:
        await self._session.set_variable(name, value)
