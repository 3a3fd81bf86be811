"""`allo call` (make call): one SIPp citizen calls 3939 on the running stack; a SIPp agent answers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from acd.ami.client import AmiClient
from acd.ami.errors import AmiActionFailed
from allo.db.engine import make_engine
from allo.db.models import Call, CallOutcome
from allo.errors import AlloError
from allo.privacy.pseudonyms import pseudonymise
from allo.settings import Settings
from allo.setup import sipp
from routing.rules import LEVEL1_QUEUE

DEMO_AGENT = "agent1001"
DEMO_CALLER = "0600000001"


def _demo_password(settings: Settings) -> str:
    path = settings.state_dir / "demo-agents.txt"
    for line in path.read_text().splitlines() if path.exists() else []:
        user, _, password = line.partition(" ")
        if user == DEMO_AGENT:
            return password.strip()
    raise AlloError(f"no password for {DEMO_AGENT} in {path}: run `make run` first")


async def _demo(settings: Settings) -> int:
    port = sipp.free_port()
    reg = await asyncio.to_thread(sipp.register_agent, settings.sip_port, DEMO_AGENT, _demo_password(settings), port)
    if not reg.ok:
        raise AlloError(f"the SIPp agent could not register as {DEMO_AGENT}:\n{reg.log[-1500:]}")
    print(f"[call] SIPp agent registered as {DEMO_AGENT} on 127.0.0.1:{port}")
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_username,
                    settings.ami_secret.get_secret_value())
    await ami.start()
    engine = make_engine(settings, pool_size=1)
    try:
        await ami.wait_ready(15)
        try:
            await ami.queue_add(LEVEL1_QUEUE, f"PJSIP/{DEMO_AGENT}", DEMO_AGENT)
        except AmiActionFailed as exc:
            if "already there" not in exc.response.message.lower():
                raise AlloError(f"could not log {DEMO_AGENT} in to l1: {exc}") from exc
        print(f"[call] {DEMO_AGENT} logged in to queue l1 (AMI QueueAdd)")
        agent = sipp.agent(settings.sip_port, port, talk_ms=2000).start()
        started = datetime.now(UTC)
        t0 = time.monotonic()
        print(f"[call] citizen {DEMO_CALLER[:2]}****** dials 3939")
        result = await asyncio.to_thread(sipp.citizen(settings.sip_port, caller=DEMO_CALLER, keys="1").run)
        print(f"[call] SIPp citizen exit {result.returncode} after {time.monotonic() - t0:.1f} s")
        caller_hash = pseudonymise(settings.pseudonym_key.get_secret_value().encode(), DEMO_CALLER) or ""
        row = await _journey(engine, caller_hash, started)
        if row is None or row.outcome is CallOutcome.CLOSED:
            agent.stop()  # a closed line never rings the agent
        agent_result = await asyncio.to_thread(agent.wait, 20)
        if row is None:
            print("[call] no call record found in PostgreSQL")
            return 1
        print(f"[call] call {row.call_id}: {row.menu_trace}")
        if row.outcome is CallOutcome.CLOSED:
            print("[call] the line is closed at this hour: the caller heard the opening hours, then goodbye.")
            print("[call] to see an answered call now: make stop; ALLO_FIXED_NOW=2026-11-23T10:00 make run")
            return 0 if result.ok else 1
        await asyncio.sleep(0.5)  # AgentComplete reaches the row a moment after the hang-up
        row = await _journey(engine, caller_hash, started) or row
        wait = (row.answered_at - row.queue_joined_at).total_seconds() if row.answered_at and row.queue_joined_at \
            else None
        print(f"[call] SIPp agent exit {agent_result.returncode}; went to queue {row.route_queue}, outcome "
              f"{row.outcome.value}, answered by {row.agent}" + (f" after {wait:.1f} s in queue" if wait else ""))
        return 0 if result.ok and agent_result.ok and row.agent == DEMO_AGENT else 1
    finally:
        try:
            await ami.queue_remove(LEVEL1_QUEUE, f"PJSIP/{DEMO_AGENT}")
        except Exception as exc:  # best-effort clean-up: the call result stands
            print(f"[call] could not log {DEMO_AGENT} out of l1: {type(exc).__name__}")
        await ami.stop()
        await engine.dispose()


async def _journey(engine: AsyncEngine, caller_hash: str, started: datetime) -> Any:
    """The demo call's row, once the menu has recorded its outcome."""
    for _ in range(30):
        async with engine.connect() as conn:
            row = (await conn.execute(select(Call).where(Call.caller_hash == caller_hash, Call.started_at >= started)
                                      .order_by(Call.started_at.desc()).limit(1))).first()
        if row is not None and row.outcome is not CallOutcome.IN_MENU:
            return row
        await asyncio.sleep(0.2)
    return None


def demo_call(settings: Settings) -> int:
    return asyncio.run(_demo(settings))
