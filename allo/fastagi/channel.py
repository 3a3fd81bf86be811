"""The Channel interface over a FastAGI session."""

from __future__ import annotations

from collections.abc import Sequence

from agi.errors import AgiCommandError, AgiHangup
from agi.session import AgiSession
from ivr.channel import DTMF_KEYS
from ivr.errors import CallerHungUp


class AgiChannel:
    """STREAM FILE for prompts, GET DATA for keys; a hang-up becomes `CallerHungUp`.

    A prompt Asterisk cannot play (result -1 without a hang-up: the sound file is missing) is recorded
    in `failed_prompts` and the call goes on. Other AGI errors (timeouts, protocol errors) propagate.
    """

    def __init__(self, session: AgiSession) -> None:
        self._session = session
        self.failed_prompts: list[str] = []

    async def play(self, prompts: Sequence[str], *, interruptible: bool = False) -> str:
        escape = DTMF_KEYS if interruptible else ""
        for prompt in prompts:
            try:
                reply = await self._session.stream_file(prompt, escape)
            except AgiHangup as exc:
                raise CallerHungUp("the caller hung up during a prompt") from exc
            except AgiCommandError:
                self.failed_prompts.append(prompt)
                continue
            if reply.result == "-1":
                self.failed_prompts.append(prompt)
                continue
            key = _key(reply.result) if interruptible else ""
            if key:
                return key
        return ""

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        try:
            return await self._session.get_data(prompt, timeout_ms, max_digits)
        except AgiHangup as exc:
            raise CallerHungUp("the caller hung up while keys were awaited") from exc

    async def set_variable(self, name: str, value: str) -> None:
        try:
            await self._session.set_variable(name, value)
        except AgiHangup as exc:
            raise CallerHungUp("the caller hung up") from exc


def _key(result: str) -> str:
    """The key of a STREAM FILE result (the ASCII code of the escape digit), "" for none or nonsense."""
    try:
        code = int(result)
    except ValueError:
        return ""
    key = chr(code) if 0 < code < 128 else ""
    return key if key in DTMF_KEYS else ""
