"""Issue 21, failover under load: citizens call 3939 through Kamailio at a steady rate, SIPp advisers registered once
to Kamailio answer in l1 on both nodes; node a's Asterisk is killed (kill -9) then started again, then node a's allo
is killed. Figures asserted and recorded for docs/reliability.md."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from allo.setup.kamailio import KamailioConf
from tests import reliability
from tests.cluster.cluster_kit import NODE_ENV, ClusterUnderTest
from tests.cluster.load_kit import (
    RATE,
    TALK_MS,
    Advisers,
    connected,
    outcome,
    start_advisers,
    trunk_answered,
    trunk_load,
    wait_members,
    watching,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

NEW_CALLS_ON_B_S = 5.0  # issue 21: new calls answered by the surviving node within 5 s of the kill
A_BACK_S = 10.0  # from node a's Asterisk fully booted again to its first new call
# allo serving again after a SIGKILL: the single node's fault test asks 5 s; here two Asterisk, Kamailio and the load
# share the 2 cores, and the new process's start-up (interpreter, imports) alone took ~6-9 s in the first runs.
ALLO_BACK_S = 15.0
FALLBACK_LINE = "allo: fallback to level 1"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def advisers(cluster: ClusterUnderTest) -> AsyncIterator[Advisers]:
    started = await start_advisers(cluster)
    yield started
    started.uas.stop()
    headers = await asyncio.to_thread(cluster.headers, "a")
    async with httpx.AsyncClient(base_url=cluster.services["a"].base_url, headers=headers, timeout=10) as api:
        for name in started.names:  # nobody left in l1 whose phone is gone
            await api.post(f"/api/agents/{name}/logout")


def _load_text(seconds: float, advisers: Advisers) -> str:
    return (f"SIPp citizens from the trunk's address (127.0.0.4) through Kamailio calling 3939 at {RATE:g} calls/s "
            f"for {seconds:g} s (welcome, key 1, queue l1), {len(advisers.names)} SIPp advisers registered to "
            f"Kamailio answering in l1 on both nodes (talk {TALK_MS / 1000:g} s)")


def _probe_settings(conf: KamailioConf) -> str:
    return (f"dispatcher OPTIONS every {conf.probe_interval_s} s, down after {conf.inactive_threshold} failed "
            f"probe(s), up after {conf.probing_threshold}; INVITE to a node given up after {conf.fr_timer_ms} ms "
            f"(tm fr_timer), then the next node (failure_route)")


async def test_asterisk_of_node_a_killed_b_answers_new_calls_within_5_s_then_a_takes_them_again(
        cluster: ClusterUnderTest, advisers: Advisers, tmp_path: Path) -> None:
    assert cluster.kamailio is not None
    seconds = 30.0
    async with watching(cluster, "a", "b") as watches:
        load = trunk_load(cluster, tmp_path, seconds, "0611").start()
        waiter = asyncio.ensure_future(asyncio.to_thread(load.wait))
        await asyncio.sleep(8)
        before_kill_b = trunk_answered(watches["b"].events, 0)
        on_a_before = len(trunk_answered(watches["a"].events, 0))
        channels_on_a = await asyncio.to_thread(cluster.asterisks["a"].cli, "core show channels count", 10.0, False)
        killed_at = time.time()
        cluster.kill_asterisk("a")
        killed_into = load.at()

        async def b_answers() -> bool:
            return bool(trunk_answered(watches["b"].events, killed_at))

        async def b_connects() -> bool:
            return bool(connected(watches["b"].events, killed_at))

        b_answer_s = await wait_until(b_answers, 15)
        b_connect_s = await wait_until(b_connects, 20)
        b_connect_s = None if b_connect_s is None else time.time() - killed_at

        # Node a back: its Asterisk started again, the advisers put back by node a's reconciler (persistentmembers
        # is off: nothing comes from AstDB).
        await asyncio.to_thread(cluster.start_asterisk, "a")
        booted_at = time.time()
        members_back_s = await wait_members(cluster, "a", advisers.names, 15)
        async with watching(cluster, "a") as again:
            async def a_answers() -> bool:
                return bool(trunk_answered(again["a"].events, booted_at))

            a_back_s = await wait_until(a_answers, 15)
            a_back_s = None if a_back_s is None else time.time() - booted_at
            result = await waiter
            events_a = [*watches["a"].events, *again["a"].events]
    done = outcome(load, result, {"a": events_a, "b": watches["b"].events})
    # The node-loss sweeper closes node a's calls cut by the kill (calls.end_reason, nodes21).
    lost_rows: list[int] = []

    async def swept() -> bool:
        rows = await cluster.sql("SELECT count(*) FROM calls WHERE node = 'a' AND end_reason = 'node_lost'")
        lost_rows[:] = [int(str(rows[0][0]))]
        return lost_rows[0] >= 1

    await wait_until(swept, 15, 0.5)
    lost = lost_rows[0]
    at_kill = datetime.fromtimestamp(killed_at, UTC)
    closed = await cluster.sql("SELECT coalesce(end_reason, outcome::text), count(*) FROM calls WHERE node = 'a' "
                               "AND started_at < :k AND (ended_at IS NULL OR ended_at >= :k) GROUP BY 1 ORDER BY 1",
                               k=at_kill)
    shown: list[object] = []

    async def on_dashboard() -> bool:  # the supervisors' dashboard of the surviving node counts them
        reply = await asyncio.to_thread(cluster.get, "b", "/api/dashboard")
        shown[:] = [reply.json().get("node_lost")]
        return reply.status_code == 200 and shown[0] == lost

    dashboard_s = await wait_until(on_dashboard, 20, 0.5)
    conf = cluster.kamailio.conf
    figures = {
        "calls answered by node a before the kill": on_a_before,
        "calls answered by node b before the kill (standby)": len(before_kill_b),
        "channels on node a when killed": channels_on_a.strip().splitlines()[0] if channels_on_a else "?",
        "killed at (s into the load)": round(killed_into, 1),
        "first new call answered by node b after (s from the kill)": _round(b_answer_s),
        "first call connected to an adviser by node b after (s from the kill)": _round(b_connect_s),
        "node a takes new calls again after (s from its Asterisk fully booted)": _round(a_back_s),
        "advisers back in node a's l1, put back by its reconciler, after (s from fully booted)": _round(members_back_s),
        "advisers' registrations (all before the load; none after the kill)": advisers.registrations,
        "calls of node a closed as cut by a node loss (calls.end_reason = node_lost)": lost,
        "node a's journeys open at the kill, by how they were closed": ", ".join(f"{r}: {n}" for r, n in closed),
        "calls cut by a node loss on node b's dashboard (GET /api/dashboard node_lost)": shown[0] if shown else None,
        **done.figures(),
        "probe settings": _probe_settings(conf),
        "node settings": ", ".join(f"{k.removeprefix('ALLO_').lower()} = {v}" for k, v in NODE_ENV.items()),
    }
    passed = bool(b_answer_s is not None and b_answer_s <= NEW_CALLS_ON_B_S and a_back_s is not None
                  and a_back_s <= A_BACK_S and not before_kill_b and done.served_by.get("b") and lost >= 1
                  and [r for r, _ in closed] == ["node_lost"]
                  and dashboard_s is not None)
    reliability.record(
        "cluster-asterisk-kill", kind="cluster", title="Node a's Asterisk killed (kill -9) under load, then started "
        "again", load=_load_text(seconds, advisers), passed=passed, observed=figures,
        notes="Calls inside node a's Asterisk when it died are lost with it (their media and channels lived in that "
              "process): they are the calls closed as cut by a node loss. New calls reach node b once Kamailio gives "
              "up on node a (the INVITE's timer, then failure_route to the next node; the probes mark a down). "
              "The advisers stayed registered to Kamailio: node b rang them through it without a new REGISTER.")
    assert not before_kill_b, "node b is a standby: no new call before node a is down"
    assert b_answer_s is not None and b_answer_s <= NEW_CALLS_ON_B_S, figures
    assert done.served_by.get("b"), f"node b rang the advisers registered to Kamailio: {figures}"
    assert a_back_s is not None and a_back_s <= A_BACK_S, figures
    assert lost >= 1 and [r for r, _ in closed] == ["node_lost"], \
        f"node a's journeys cut by the kill, in the menu too, are closed as node_lost: {figures}"
    assert dashboard_s is not None, f"the dashboard counts the calls cut by the node loss: {figures}"


async def test_allo_of_node_a_killed_its_node_falls_back_until_restarted(
        cluster: ClusterUnderTest, advisers: Advisers, tmp_path: Path) -> None:
    service = cluster.services["a"]
    messages = cluster.asterisks["a"].host_path(f"{cluster.asterisks['a'].log_dir}/messages.log")

    def fallbacks() -> int:
        return messages.read_text(errors="replace").count(FALLBACK_LINE) if messages.exists() else 0

    seconds = 20.0
    before = fallbacks()
    async with watching(cluster, "a", "b") as watches:
        load = trunk_load(cluster, tmp_path, seconds, "0622").start()
        waiter = asyncio.ensure_future(asyncio.to_thread(load.wait))
        await asyncio.sleep(6)
        victim = service.serve_pid()
        assert victim is not None
        killed_at, killed_mono = load.at(), time.monotonic()
        os.kill(victim, signal.SIGKILL)

        async def serving_again() -> bool:
            pid = service.serve_pid()
            if pid is None or pid == victim:
                return False
            return await asyncio.to_thread(lambda: cluster.get("a", "/healthz").status_code == 200)

        back_s = await wait_until(serving_again, 30)
        back_s = None if back_s is None else time.monotonic() - killed_mono
        result = await waiter
    done = outcome(load, result, {n: w.events for n, w in watches.items()})
    taken = fallbacks() - before
    figures = {**done.figures(), "killed at (s into the load)": round(killed_at, 1),
               "allo of node a serving again after (s): new process, /healthz 200": _round(back_s),
               "calls node a's dialplan fallback took to level 1": taken,
               "restarted by": "allo supervise (make run-cluster); systemd in production"}
    passed = bool(back_s is not None and back_s <= ALLO_BACK_S and done.served == done.offered
                  and not done.answered_by.get("b"))
    reliability.record(
        "cluster-allo-kill", kind="cluster", title="Node a's allo killed (kill -9) under load, its Asterisk alive",
        load=_load_text(seconds, advisers), passed=passed, observed=figures,
        notes="Node a's Asterisk still answers the dispatcher's probes, so calls keep going to node a (we chose "
              "this over moving calls off the node, docs/scaling.md): calls in the menu, and calls arriving before "
              "the new allo listened, lost the menu but not the call: the dialplan's fallback queued them in l1.")
    assert not done.answered_by.get("b"), f"node a's Asterisk lives: the calls stay on node a: {figures}"
    assert back_s is not None and back_s <= ALLO_BACK_S, figures
    assert done.served == done.offered, f"every call reached an adviser: {figures}"
    assert taken >= 1, "calls in the menu when allo died went to the fallback"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
