"""The `transfer` FastAGI route: a caller handed to a level-2 sector arrives in `[allo-transfer]`.

Both ways of transferring end here: AMI BlindTransfer from the API (already checked) and a SIP REFER from the
adviser's softphone (not checked by anyone before: Asterisk accepts the REFER and releases the adviser). If the
sector cannot take the caller now, the caller is told and goes back to level 1, still ahead of new arrivals.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from acd.transfer import TransferRefusal
from agi.errors import AgiError
from agi.session import AgiSession
from allo.records.recorder import CallRecorder
from ivr.catalogue import PromptName
from ivr.transfer_prompts import transfer_prompt
from routing.rules import LEVEL1_QUEUE

log = logging.getLogger(__name__)

class TransferArrival:
    def __init__(self, queue_for: Callable[[str], str | TransferRefusal], recorder: CallRecorder,
                 wait_speech: Callable[[str], list[str]] = lambda _queue: []) -> None:
        self._queue_for = queue_for
        self._recorder = recorder
        self._wait_speech = wait_speech

    async def handle(self, session: AgiSession) -> None:
        sector = session.args.get("sector", "")
        target = self._queue_for(sector)
        if isinstance(target, TransferRefusal):
            log.warning("transfer of %s to %r refused on arrival: %s; back to level 1", session.uniqueid, sector,
                        target.value)
            with contextlib.suppress(AgiError):
                await session.stream_file(PromptName.TRANSFER_UNAVAILABLE)
            await session.set_variable("ALLO_TRANSFER_QUEUE", LEVEL1_QUEUE)
            return
        await session.set_variable("ALLO_TRANSFER_QUEUE", target)
        self._recorder.submit(session.uniqueid, {"transferred_to": sector, "transferred_at": datetime.now(UTC)})
        # Where they are going, then, if they will wait, their position and estimate (repeated while they wait:
        # docs/queues.md).
        prompt = transfer_prompt(sector)
        prompts = ([prompt] if prompt is not None else []) + self._wait_speech(target)
        with contextlib.suppress(AgiError):
            for name in prompts:
                await session.stream_file(name)
