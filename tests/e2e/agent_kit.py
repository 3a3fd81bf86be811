"""An adviser's softphone registered by SIPp, shared by the end-to-end tests."""

from __future__ import annotations

import asyncio

from allo.settings import Settings
from allo.setup import sipp


async def register_phone(settings: Settings, username: str, password: str) -> int:
    """Register `username` from a free port and return it: the answering SIPp (sipp.agent...) listens there."""
    port = sipp.free_port()
    result = await asyncio.to_thread(sipp.register_agent, settings.sip_port, username, password, port)
    assert result.ok, result.log
    return port
