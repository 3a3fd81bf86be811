"""Fixtures of the AgiServer tests: a recording observer, a scripted IVR route and a server factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agi import AgiServer, AgiSession
from tests.integration.agi.agi_fake_asterisk import (
    Ivr,
    RecordingObserver,
    ServerFactory,
)


@pytest.fixture
def observer() -> RecordingObserver:
    return RecordingObserver()


@pytest.fixture
def ivr() -> Ivr:
    return Ivr()


@pytest.fixture
async def make_server(ivr: Ivr, observer: RecordingObserver) -> AsyncIterator[ServerFactory]:
    servers: list[AgiServer] = []

    async def make(routes: dict[str, object] | None = None, **kwargs: object) -> AgiServer:
        async def ivr_route(session: AgiSession) -> None:
            await ivr(session)

        settings: dict[str, object] = {"header_timeout": 1.0, "command_timeout": 2.0, "observer": observer}
        settings.update(kwargs)
        server = AgiServer(routes or {"ivr": ivr_route}, port=0, **settings)  # type: ignore[arg-type]
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop(drain_timeout=1.0)
