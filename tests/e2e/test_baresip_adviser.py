"""A real softphone as the level-1 adviser's phone: baresip registers with the adviser's SIP credentials, logs in
with *11, auto-answers a SIPp citizen from the level-1 queue and blind-transfers it by SIP REFER to 82 (Travail),
where a level-2 adviser answers: the citizen's dialog is one from start to end."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import httpx
import pytest

from acd.ami.errors import AmiActionFailed
from acd.ami.events import AgentConnect, QueueCallerJoin
from allo.auth.roles import Role
from allo.setup import sipp
from tests.e2e.agent_kit import level2_agent, wait_member
from tests.e2e.baresip_kit import baresip_phone, netstring, registration_status, split_netstrings, wait_bridged

pytestmark = pytest.mark.e2e

USER = "agent1001"  # serves l1


async def test_baresip_logs_in_answers_a_citizen_and_transfers_by_refer(
        test_settings, running_service, ami_watch, demo_passwords, asterisk):
    interface = f"PJSIP/{USER}"
    supervisor = running_service.headers(Role.SUPERVISOR)
    async with baresip_phone(test_settings, USER, demo_passwords[USER]) as phone:
        try:
            await phone.feature_code("*11")
            await wait_member(running_service, "l1", interface, paused=False)
            async with httpx.AsyncClient(base_url=running_service.base_url, headers=supervisor, timeout=10) as api:
                me = next(a for a in (await api.get("/api/agents")).json() if a["agent"] == USER)
            assert me["logged_in"] and not me["paused"] and me["queues"] == ["l1"], me

            async with level2_agent(test_settings, demo_passwords, ami_watch, "travail", talk_ms=1500) as level2:
                mark = len(phone.events)
                citizen = sipp.citizen(test_settings.sip_port, caller="0656222282", keys="1").start()
                try:
                    joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=30)
                    call_id = joined.uniqueid
                    connected = await ami_watch.wait_for(
                        AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l1")
                    assert connected.member_name == USER
                    # Answered by baresip itself (answermode=auto), not by anything in the test.
                    answered = await phone.wait_event(
                        "CALL_ESTABLISHED", lambda e: e.get("direction") == "incoming", after=mark)
                    await wait_bridged(asterisk, USER)
                    await phone.transfer("82")
                    rejoined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l2-travail")
                    assert rejoined.uniqueid == call_id  # the citizen's own channel, not a new call
                    taken = await ami_watch.wait_for(
                        AgentConnect, lambda e: e.uniqueid == call_id and e.queue == "l2-travail")
                    assert taken.member_name == "agent2001"
                    # baresip's leg ends once Asterisk has taken the REFER.
                    await phone.wait_event("CALL_CLOSED", lambda e: e.get("id") == answered.get("id"), after=mark)
                    citizen_result = await asyncio.to_thread(citizen.wait, 30)
                    assert citizen_result.ok, citizen_result.log  # no BYE/re-INVITE before level 2 hangs up
                    level2_result = await asyncio.to_thread(level2.wait, 10)
                    assert level2_result.ok, level2_result.log
                finally:
                    citizen.stop()

            async with httpx.AsyncClient(base_url=running_service.base_url, headers=supervisor, timeout=10) as api:
                context = (await api.get(f"/api/calls/{call_id}")).json()
            assert context["level1_agent"] == USER and context["transferred_to"] == "travail", context
            await phone.feature_code("*12")
            await wait_member(running_service, "l1", interface, present=False)
        finally:  # already out when the test got as far as *12; else out through allo, which logged it in
            async with httpx.AsyncClient(base_url=running_service.base_url, headers=supervisor, timeout=10) as api:
                await api.post(f"/api/agents/{USER}/logout")
            with contextlib.suppress(AmiActionFailed):
                await ami_watch.client.queue_remove("l1", interface)


async def test_baresip_with_a_wrong_password_is_refused_and_leaves_nothing_running(test_settings, asterisk):
    """The kit's registration check can fail: Asterisk refuses the digest at once, the kit says so (no wait for
    its deadline), stops baresip and keeps its log."""
    started = time.monotonic()
    with pytest.raises(AssertionError, match="registration refused"):
        async with baresip_phone(test_settings, USER, "not-the-password"):
            pass
    assert time.monotonic() - started < 10
    kept = list((test_settings.state_dir / "baresip").glob(f"{USER}-*/baresip.log"))
    assert kept and "401" in kept[-1].read_text(), kept
    running = [p.read_bytes() for p in Path("/proc").glob("[0-9]*/cmdline") if _readable(p)]
    assert not [c for c in running if b"baresip" in c and str(test_settings.state_dir).encode() in c]



def test_ctrl_tcp_netstrings_and_reginfo_are_read_without_a_network():
    """The kit's parsing (no baresip needed): netstrings split across reads, and reginfo's status."""
    first, second = netstring({"event": True, "type": "CALL_CLOSED"}), netstring({"response": True, "token": "t1"})
    stream = first + second
    messages, rest = split_netstrings(stream[:len(first) + 3])
    assert messages == [{"event": True, "type": "CALL_CLOSED"}] and rest == second[:3]
    messages, rest = split_netstrings(rest + stream[len(first) + 3:])
    assert messages == [{"response": True, "token": "t1"}] and rest == b""
    with pytest.raises(ValueError):
        split_netstrings(b"5:abcdeX")
    reginfo = "\n--- User Agents (1) ---\n> sip:agent1001@127.0.0.1:17664   \x1b[31mERR\x1b[;m allo Expires 0s\n"
    assert registration_status(reginfo, "agent1001") == "ERR"
    assert registration_status(reginfo.replace("ERR", "OK "), "agent1001") == "OK"
    assert registration_status(reginfo.replace("ERR", "zzz"), "agent1001") is None
    assert registration_status(reginfo, "agent10010") is None

def _readable(path: Path) -> bool:
    try:
        path.read_bytes()
    except OSError:  # the process ended meanwhile
        return False
    return True
