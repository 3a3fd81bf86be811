"""A node of a cluster publishes the agents created through the other node's API (docs/scaling.md): its
pjsip_agents.conf follows PostgreSQL at the reconciler's round, and is left alone when it already does."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from acd.agents import Membership
from allo.agents.admin import create_agent, follow_agents
from allo.db.engine import make_engine
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance
from tests.e2e.ami_kit import AmiWatch

pytestmark = pytest.mark.e2e

NEW = "agent9821"


def _endpoint_known(asterisk: AsteriskInstance, name: str) -> bool:
    return f"Endpoint:  {name}" in asterisk.cli(f"pjsip show endpoint {name}", check=False)


async def test_an_agent_created_elsewhere_is_published_here(test_settings: Settings, asterisk: AsteriskInstance,
                                                            ami_watch: AmiWatch) -> None:
    engine = make_engine(test_settings, pool_size=1)
    try:
        assert not await follow_agents(engine, ami_watch.client, asterisk)  # already as PostgreSQL says
        # As the other node's API does: the row only (this node's file and Asterisk do not know it yet).
        await create_agent(engine, NEW, "Nouvelle Conseillère", [Membership("l1", 0)])
        assert not _endpoint_known(asterisk, NEW)
        assert await follow_agents(engine, ami_watch.client, asterisk)
        conf = asterisk.host_path(f"{asterisk.etc_dir}/pjsip_agents.conf").read_text()
        assert f"[{NEW}]" in conf
        assert _endpoint_known(asterisk, NEW)
        assert not await follow_agents(engine, ami_watch.client, asterisk)  # nothing changed since
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM agents WHERE username = :u"), {"u": NEW})
        await follow_agents(engine, ami_watch.client, asterisk)
        await engine.dispose()
    assert not _endpoint_known(asterisk, NEW)
