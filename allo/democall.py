"""`allo call` (make call): one SIPp citizen calls 3939 on the running stack; a SIPp agent answers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import select

from acd.ami.client import AmiClient
from acd.errors import AmiActionFailed
from allo import sipp
from allo.db.engine import make_engine
from allo.db.models import Call
from allo.errors import AlloError
from allo.privacy import pseudonymise
from allo.settings import Settings

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
            await ami.queue_add("l1", f"PJSIP/{DEMO_AGENT}", DEMO_AGENT)
        except AmiActionFailed as exc:
            if "already there" not in exc.response.message.lower():
                raise AlloError(f"could not log {DEMO_AGENT} in to l1: {exc}") from exc
        print(f"[call] {DEMO_AGENT} logged in to queue l1 (AMI QueueAdd)")
        agent = sipp.agent(settings.sip_port, port, talk_ms=2000).start()
        started = datetime.now(UTC)
        t0 = time.monotonic()
        print(f"[call] citizen {DEMO_CALLER[:2]}****** dials 3939")
        result = await asyncio.to_thread(sipp.citizen(settings.sip_port, caller=DEMO_CALLER, keys="1").run)
        agent_result = await asyncio.to_thread(agent.wait, 20)
        print(f"[call] SIPp citizen exit {result.returncode}, agent exit {agent_result.returncode}, "
              f"{time.monotonic() - t0:.1f} s")
        await asyncio.sleep(0.5)
        caller_hash = pseudonymise(settings.pseudonym_key.get_secret_value().encode(), DEMO_CALLER)
        async with engine.connect() as conn:
            row = (await conn.execute(select(Call).where(Call.caller_hash == caller_hash,
                                                         Call.started_at >= started)
                                      .order_by(Call.started_at.desc()).limit(1))).first()
        if row is None:
            print("[call] no call record found in PostgreSQL")
            return 1
        wait = (row.answered_at - row.queue_joined_at).total_seconds() if row.answered_at and row.queue_joined_at \
            else None
        print(f"[call] call {row.call_id}: {row.menu_trace}")
        print(f"[call] went to queue {row.route_queue}, outcome {row.outcome.value}, answered by {row.agent}"
              + (f" after {wait:.1f} s in queue" if wait is not None else ""))
        return 0 if result.ok and agent_result.ok and row.agent == DEMO_AGENT else 1
    finally:
        try:
            await ami.queue_remove("l1", f"PJSIP/{DEMO_AGENT}")
        except Exception as exc:  # best-effort clean-up: the call result stands
            print(f"[call] could not log {DEMO_AGENT} out of l1: {type(exc).__name__}")
        await ami.stop()
        await engine.dispose()


def demo_call(settings: Settings) -> int:
    return asyncio.run(_demo(settings))
