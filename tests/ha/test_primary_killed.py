"""The database's primary killed (kill -9 of its keeper and its postgres) under a write load through the call
recorder: the standby is promoted, allo reconnects by itself, and no acknowledged row is lost (docs/scaling.md
§ The database). Acknowledged = the recorder's `upsert` returned True: committed, with the synchronous standby
holding it. The rows submitted in the background while there was no primary wait in the recorder's retry buffer
and must all arrive."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select

from allo.auth.roles import Role
from allo.db.engine import make_engine
from allo.db.models import Call, CallOutcome, QueueLeg
from allo.metrics import Metrics
from allo.queues.legs import LegInsert, statement
from allo.records.recorder import CallRecorder
from allo.setup.kamailio import KamailioConf, KamailioProcess, kamailio_db_urls
from allo.setup.pg_ha import PgAutoFailover
from allo.setup.service_process import ServiceProcess
from allo.setup.sipp import free_port, register_agent
from allo.setup.stack import seed_database
from tests import reliability
from tests.ha.conftest import Formation

pytestmark = pytest.mark.ha

CALLS_PER_TICK, TICK_S = 5, 0.02  # 250 calls/s in the background, three writes each: far above the 3939's peak
BEFORE, AFTER = 300, 300  # acknowledged rows wanted before the kill and after the promotion
PROMOTION_MAX_S = 30.0  # pg_auto_failover's detection + demote timeouts (allo/setup/pg_ha.py) take ~6-10 s here


async def _until(done: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_the_primary_killed_under_load_loses_no_acknowledged_row(formation: Formation):
    ha, settings = formation.ha, formation.settings
    prefix = f"ha-{uuid.uuid4().hex[:8]}-"
    engine = make_engine(settings)
    metrics = Metrics()
    recorder = CallRecorder(engine, metrics, timeout=settings.db_write_timeout)
    # Acknowledged writes on a recorder of their own: their attempts refused while there is no primary are counted
    # there, not with the background writes'.
    direct = CallRecorder(engine, Metrics(), timeout=settings.db_write_timeout)
    acked: list[str] = []
    acked_at: list[float] = []
    submitted: list[str] = []
    peak_backlog = 0
    stop = asyncio.Event()

    async def acknowledged_writes() -> None:
        n = 0
        while not stop.is_set():
            call_id = f"{prefix}a{n}"
            n += 1
            if await direct.upsert(call_id, {"trace": ["menu"]}):
                acked.append(call_id)
                acked_at.append(time.monotonic())
            else:
                await asyncio.sleep(TICK_S)  # the pace of a client that retries, not a wait for a condition

    async def background_writes() -> None:
        nonlocal peak_backlog
        n = 0
        while not stop.is_set():
            for _ in range(CALLS_PER_TICK):
                call_id = f"{prefix}b{n}"
                n += 1
                recorder.submit(call_id, {"trace": ["menu"]})
                recorder.submit(call_id, {"outcome": CallOutcome.QUEUED, "route_queue": "l1"})
                # A queue leg (an INSERT): a batch whose commit reached the standby but whose answer was lost with
                # the primary is sent again; the leg already there is skipped, not an error.
                recorder.submit_statement(call_id, *statement(LegInsert(call_id, "l1", datetime.now(UTC), 1)),
                                          "queue leg l1")
                submitted.append(call_id)
            peak_backlog = max(peak_backlog, recorder.backlog)
            await asyncio.sleep(TICK_S)  # the load's pace

    load = [asyncio.create_task(acknowledged_writes()), asyncio.create_task(background_writes())]
    try:
        await _until(lambda: len(acked) >= BEFORE, "no write acknowledged before the kill", 60)
        old = ha.primary()
        assert old is not None
        killed_at, killed_wall = time.monotonic(), datetime.now(UTC)
        await asyncio.to_thread(ha.kill_node, old.name)
        new = await asyncio.to_thread(ha.wait_primary, old.name, PROMOTION_MAX_S)
        promoted_at = time.monotonic()
        events = await asyncio.to_thread(ha.events_since, killed_wall)
        before_kill = sum(1 for t in acked_at if t < killed_at)
        await _until(lambda: sum(1 for t in acked_at if t > promoted_at) >= AFTER,
                     "allo did not write again after the promotion", 60)
    finally:
        stop.set()
        await asyncio.gather(*load, return_exceptions=True)
    await recorder.drain(timeout=60)
    # Writes unavailable: the longest time without an acknowledged write (they follow one another otherwise).
    window_s = max(later - earlier for earlier, later in itertools.pairwise(acked_at))
    retried = int(metrics.db_writes.labels("retry")._value.get())
    dropped = int(metrics.db_writes.labels("dropped")._value.get())
    refused = int(metrics.db_writes.labels("error")._value.get())

    try:
        async with engine.connect() as conn:
            rows = dict((await conn.execute(select(Call.call_id, Call.outcome).where(
                Call.call_id.like(f"{prefix}%")))).all())
            port = await conn.scalar(select(func.inet_server_port()))
            legs = (await conn.execute(select(QueueLeg.call_id, func.count()).where(
                QueueLeg.call_id.like(f"{prefix}%")).group_by(QueueLeg.call_id))).all()
        lost_acked = [call_id for call_id in acked if call_id not in rows]
        legs_per_call = dict(legs)
        missing_legs = [call_id for call_id in submitted if call_id not in legs_per_call]
        lost_buffered = [call_id for call_id in submitted if rows.get(call_id) != CallOutcome.QUEUED]
        # The LISTEN connections (asyncpg.connect with Settings.asyncpg_dsn) find the new primary too.
        listen = await asyncpg.connect(settings.asyncpg_dsn, timeout=10)
        try:
            listen_port = await listen.fetchval("SELECT inet_server_port()")
        finally:
            await listen.close()
    finally:
        await engine.dispose()

    promotion_s = promoted_at - killed_at
    # The monitor's own log: when it decided (the dead primary's goal set to draining), when the standby said
    # it was the primary (wait_primary); in between, the demote timeout (FailoverTimeouts).
    decided = min(e.at for e in events if e.node == old.name and e.goal in {"draining", "demote_timeout"})
    promoted = min(e.at for e in events if e.node == new.name and e.reported == e.goal == "wait_primary")
    detection_s = (decided - killed_wall).total_seconds()
    decision_to_primary_s = (promoted - decided).total_seconds()
    observed = {
        "primary killed": f"{old.name} (kill -9 of pg_autoctl and postgres)",
        "promoted": new.name,
        "kill -> standby promoted (s)": round(promotion_s, 2),
        "of which: kill -> the monitor decides the failover (s)": round(detection_s, 2),
        "of which: decision -> standby reports wait_primary (s, demote timeout 4 s)": round(decision_to_primary_s, 2),
        "writes unavailable (longest gap between acknowledged writes, s)": round(window_s, 2),
        "acknowledged rows (before the kill / in all)": f"{before_kill} / {len(acked)}",
        "acknowledged rows lost": len(lost_acked),
        "background calls submitted (3 writes each)": len(submitted),
        "background calls missing or incomplete": len(lost_buffered),
        "queue legs missing": len(missing_legs),
        "recorder's retry buffer at its peak (writes)": peak_backlog,
        "writes retried (summed over retry rounds)": retried,
        "writes dropped / refused": f"{dropped} / {refused}",
    }
    passed = (not lost_acked and not lost_buffered and not missing_legs and dropped == refused == 0
              and retried > 0 and port == new.port and listen_port == new.port)
    reliability.record(
        "database_primary_killed", kind="database", passed=passed,
        title="PostgreSQL's primary killed under a write load: the standby promoted, nothing acknowledged lost",
        load=f"the call recorder: {CALLS_PER_TICK / TICK_S:.0f} calls/s submitted in the background (3 writes "
             "each: 2 upserts, 1 queue leg) plus acknowledged upserts one after another; pg_auto_failover with "
             "its standby in the synchronous quorum and the short timeouts of allo/setup/pg_ha.py",
        observed=observed,
        notes="Acknowledged = committed with the standby holding it (synchronous_commit on, the standby in "
              "the quorum). The background writes waiting in the recorder's buffer while no server was writable "
              "were retried until they landed on the new primary.")
    assert not lost_acked, f"{len(lost_acked)} acknowledged rows lost, e.g. {lost_acked[:3]}"
    assert not lost_buffered, f"{len(lost_buffered)} buffered calls missing, e.g. {lost_buffered[:3]}"
    assert not missing_legs, f"{len(missing_legs)} buffered queue legs missing"
    assert dropped == 0
    assert refused == 0, "writes refused: a batch sent again after a commit that landed?"
    assert retried > 0, "no write waited for the promotion: the test did not exercise the retry buffer"
    assert port == new.port and listen_port == new.port
    assert promotion_s < PROMOTION_MAX_S
    assert window_s < promotion_s + 5, "allo took long to write again once the standby was promoted"


async def _both_running(ha: PgAutoFailover) -> None:
    """The formation whole again after an earlier test of the module: both keepers running, a synchronous standby."""
    for name in ("node1", "node2"):
        if ha.keeper_pid(name) is None:
            await asyncio.to_thread(ha.restart_node, name)
    await asyncio.to_thread(ha.wait_standby, 120)


async def test_a_crashed_postgres_under_a_live_keeper_is_restarted_in_place(formation: Formation):
    """Only the primary's postgres dies (kill -9), its machine and keeper live: the keeper restarts it, no
    promotion; allo's writes wait in the recorder meanwhile, as for a restart."""
    ha = formation.ha
    await _both_running(ha)
    old = await asyncio.to_thread(ha.wait_primary, None, 60)
    postmaster = ha.postmaster_pid(old.name)
    assert postmaster is not None
    started = time.monotonic()
    os.kill(postmaster, signal.SIGKILL)
    await _until(lambda: ha.postmaster_pid(old.name) not in {None, postmaster}, "postgres not restarted", 30)
    again = await asyncio.to_thread(ha.wait_primary, None, 30)
    back_s = time.monotonic() - started
    assert again.name == old.name, "a crash with the keeper alive must not promote the standby"
    await asyncio.to_thread(ha.wait_standby, 60)
    reliability.record(
        "database_postgres_crashed", kind="database", passed=again.name == old.name and back_s < 15,
        title="PostgreSQL's primary process killed, its keeper alive: restarted in place, no promotion",
        load="none (the recorder's retry covers the gap as for a restart: « PostgreSQL stopped for 12 s »)",
        observed={"postgres killed": f"{old.name} (kill -9 of the postmaster only)",
                  "primary after": again.name, "writable again after (s)": round(back_s, 2)})
    assert back_s < 15


async def test_the_killed_node_rejoins_as_the_standby(formation: Formation):
    """A killed primary's machine comes back: its keeper rejoins as the standby of the promoted node."""
    ha = formation.ha
    await _both_running(ha)
    old = await asyncio.to_thread(ha.wait_primary, None, 60)
    await asyncio.to_thread(ha.kill_node, old.name)
    new = await asyncio.to_thread(ha.wait_primary, old.name, PROMOTION_MAX_S)
    started = time.monotonic()
    await asyncio.to_thread(ha.restart_node, old.name)
    await asyncio.to_thread(ha.wait_standby, 120)
    rejoined_s = time.monotonic() - started
    states = {node.name: node.reported for node in await asyncio.to_thread(ha.states)}
    reliability.record(
        "database_primary_rejoins", kind="database", passed=states == {new.name: "primary", old.name: "secondary"},
        title="The killed primary's machine back: it rejoins as the synchronous standby",
        load="none",
        observed={"killed then restarted": old.name, "primary": new.name,
                  "keeper restarted -> synchronous standby streaming again (s)": round(rejoined_s, 2)})
    assert states == {new.name: "primary", old.name: "secondary"}
    assert rejoined_s < 120


async def _get(url: str, headers: dict[str, str] | None = None) -> httpx.Response | None:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return await client.get(url, headers=headers)
    except httpx.HTTPError:
        return None


async def test_allo_serve_follows_the_promotion_by_itself(formation: Formation):
    """A whole `allo serve` on the multi-host ALLO_DATABASE_URL (no Asterisk: the database alone matters here):
    after the primary is killed, its health check finds the database again, its rules listener (asyncpg.connect
    with Settings.asyncpg_dsn) listens again, and a login (a write) succeeds, without a restart."""
    ha, settings = formation.ha, formation.settings
    await _both_running(ha)
    await seed_database(settings)
    service = ServiceProcess(settings.model_copy(update={
        "agi_port": free_port(), "http_port": free_port(), "ami_port": free_port()}))
    service.env = {"ALLO_DATABASE_URL": settings.sqlalchemy_url, "ALLO_RULES_POLL_INTERVAL": "1"}
    await asyncio.to_thread(service.start, 40, without_asterisk=True)
    try:
        ops = await asyncio.to_thread(service.headers, Role.ADMIN)
        version_url = f"{service.base_url}/api/rules/version"

        async def listening() -> bool:
            reply = await _get(version_url, ops)
            return reply is not None and reply.status_code == 200 and reply.json()["listening"] == "yes"

        async def database_up() -> bool:
            reply = await _get(f"{service.base_url}/healthz")
            return reply is not None and reply.json().get("database") == "up"

        deadline = time.monotonic() + 30
        while not (await listening() and await database_up()):
            assert time.monotonic() < deadline, "allo serve never listened to the rules"
            await asyncio.sleep(0.1)
        old = await asyncio.to_thread(ha.wait_primary, None, 60)
        killed_at = time.monotonic()
        await asyncio.to_thread(ha.kill_node, old.name)
        await asyncio.to_thread(ha.wait_primary, old.name, PROMOTION_MAX_S)
        promoted_at = time.monotonic()
        health_back = listen_back = None
        deadline = promoted_at + 60
        while health_back is None or listen_back is None:
            assert time.monotonic() < deadline, f"after the promotion: database {health_back}, rules {listen_back}"
            now = time.monotonic()
            if health_back is None and await database_up():
                health_back = now - promoted_at
            if listen_back is None and await listening():
                listen_back = now - promoted_at
            await asyncio.sleep(0.1)
        service._tokens.clear()  # a new login: a token written through the service's pool, on the new primary
        await asyncio.to_thread(service.headers, Role.ADMIN)
        assert service.proc is not None and service.proc.poll() is None, "allo serve died"
        assert listen_back < 5, "the rules listener came back late (its reconnection back-off)"
    finally:
        await asyncio.to_thread(service.stop)
    reliability.record(
        "database_allo_serve_follows", kind="database", passed=True,
        title="allo serve on the multi-host address: back on the new primary by itself",
        load="none (a whole allo serve, rules listener polling every 1 s)",
        observed={"kill -> standby promoted (s)": round(promoted_at - killed_at, 2),
                  "health check's database up again after the promotion (s)": round(health_back, 2),
                  "rules listener listening again after the promotion (s)": round(listen_back, 2),
                  "a login (a write) after it": "200"})


async def test_the_standby_killed_holds_the_commits_only_until_the_monitor_drops_the_quorum(formation: Formation):
    """Synchronous replication's other side: with the standby dead, a commit waits for it until the monitor takes
    it out of the quorum (the primary goes to wait_primary); then writes go on, on one server."""
    ha, settings = formation.ha, formation.settings
    await _both_running(ha)
    primary = await asyncio.to_thread(ha.wait_primary, None, 60)
    standby = next(node for node in await asyncio.to_thread(ha.states) if node.name != primary.name)
    prefix = f"ha-sb-{uuid.uuid4().hex[:8]}-"
    engine = make_engine(settings)
    direct = CallRecorder(engine, Metrics(), timeout=30.0)  # a commit waits for the standby: let it wait
    acked: list[str] = []
    acked_at: list[float] = []
    stop = asyncio.Event()

    async def acknowledged_writes() -> None:
        n = 0
        while not stop.is_set():
            call_id = f"{prefix}{n}"
            n += 1
            if await direct.upsert(call_id, {"trace": ["menu"]}):
                acked.append(call_id)
                acked_at.append(time.monotonic())
            else:
                await asyncio.sleep(TICK_S)  # the pace of a client that retries

    writer = asyncio.create_task(acknowledged_writes())
    try:
        await _until(lambda: len(acked) >= 100, "no write acknowledged before the kill", 60)
        killed_at = time.monotonic()
        await asyncio.to_thread(ha.kill_node, standby.name)
        await _until(lambda: sum(1 for t in acked_at if t > killed_at + 0.5) >= 100,
                     "writes did not go on without the standby", 60)
        alone = {node.name: node.reported for node in await asyncio.to_thread(ha.states)}
    finally:
        stop.set()
        await asyncio.gather(writer, return_exceptions=True)
    try:
        async with engine.connect() as conn:
            present = set((await conn.scalars(select(Call.call_id).where(Call.call_id.like(f"{prefix}%")))).all())
    finally:
        await engine.dispose()
    stall_s = max(later - earlier for earlier, later in itertools.pairwise(acked_at))
    await asyncio.to_thread(ha.restart_node, standby.name)
    await asyncio.to_thread(ha.wait_standby, 120)
    lost = [call_id for call_id in acked if call_id not in present]
    reliability.record(
        "database_standby_killed", kind="database", passed=not lost and stall_s < 15,
        title="The synchronous standby killed under acknowledged writes: commits held until the quorum is dropped",
        load="acknowledged upserts one after another",
        observed={"standby killed": f"{standby.name} (kill -9 of pg_autoctl and postgres)",
                  "primary's state without it": alone.get(primary.name, "?"),
                  "commits held (longest gap between acknowledged writes, s)": round(stall_s, 2),
                  "acknowledged rows lost": len(lost)})
    assert not lost
    assert alone.get(primary.name) == "wait_primary"
    assert stall_s < 15


async def test_kamailio_authenticates_advisers_through_the_primarys_loss(formation: Formation, tmp_path):
    """make run-cluster's Kamailio reads the advisers' stored digests from a db_cluster of both hosts. The host it
    reads from first is the primary, and it is killed: a REGISTER with the right password is still accepted (the
    standby answers reads, then is promoted), a wrong one still refused; nobody waits for the promotion."""
    ha, settings = formation.ha, formation.settings
    await _both_running(ha)
    await seed_database(settings)
    lines = (settings.state_dir / "demo-agents.txt").read_text().splitlines()
    password = dict(line.split(None, 1) for line in lines if line and not line.startswith("#"))["agent1001"].strip()
    old = await asyncio.to_thread(ha.wait_primary, None, 60)
    urls = sorted(kamailio_db_urls(settings.asyncpg_dsn), key=lambda url: f":{old.port}/" not in url)
    assert f":{old.port}/" in urls[0]  # Kamailio reads from the primary first: its loss is the case tested
    kamailio = KamailioProcess(KamailioConf(
        listen="127.0.0.1", port=free_port(), trunk_match="127.0.0.4", nodes=(f"127.0.0.2:{free_port()}",),
        db_urls=tuple(urls), trunk_target=f"127.0.0.4:{free_port()}", run_dir=tmp_path / "kamailio"))

    phone = free_port()  # one phone, refreshing its registration

    def register(secret: str) -> bool:
        return register_agent(kamailio.conf.port, "agent1001", secret, phone, expires=60).ok

    await asyncio.to_thread(kamailio.start)
    try:
        assert await asyncio.to_thread(register, password), "REGISTER through Kamailio before the kill"
        killed_at = time.monotonic()
        await asyncio.to_thread(ha.kill_node, old.name)
        accepted = await asyncio.to_thread(register, password)
        first_s = time.monotonic() - killed_at
        refused = not await asyncio.to_thread(register, "not-the-password")
        await asyncio.to_thread(ha.wait_primary, old.name, PROMOTION_MAX_S)
        promoted_s = time.monotonic() - killed_at
        after = await asyncio.to_thread(register, password)
    finally:
        await asyncio.to_thread(kamailio.stop)
    reliability.record(
        "database_kamailio_auth", kind="database", passed=accepted and refused and after,
        title="Kamailio's digest checks through the primary's loss (db_cluster of both hosts)",
        load="one REGISTER at a time (SIPp, digest)",
        observed={"kill -> first REGISTER accepted (s)": round(first_s, 2),
                  "wrong password refused meanwhile": refused,
                  "kill -> standby promoted (s)": round(promoted_s, 2),
                  "REGISTER accepted after the promotion": after})
    assert accepted, f"the first REGISTER after the kill was refused; see {kamailio.log_file}"
    assert refused, "a wrong password was accepted"
    assert after, f"a REGISTER after the promotion was refused; see {kamailio.log_file}"


async def test_the_monitor_lost_leaves_the_pair_serving_synchronously(formation: Formation):
    """The monitor's machine dies (kill -9 of its keeper and postgres): the primary and its synchronous standby go on
    without it, commits still acknowledged by the standby; only an automatic failover is impossible meanwhile
    (docs/scaling.md). Its machine back, the monitor sees the pair whole again."""
    ha, settings = formation.ha, formation.settings
    await _both_running(ha)
    primary = await asyncio.to_thread(ha.wait_primary, None, 60)
    prefix = f"ha-mon-{uuid.uuid4().hex[:8]}-"
    engine = make_engine(settings)
    recorder = CallRecorder(engine, Metrics(), timeout=30.0)
    acked_at: list[float] = []
    stop = asyncio.Event()

    async def acknowledged_writes() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            if await recorder.upsert(f"{prefix}{n}", {"trace": ["menu"]}):
                acked_at.append(time.monotonic())
            await asyncio.sleep(TICK_S)

    def synchronous_standbys() -> int:
        out = ha._sql(primary.port, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
                                    "AND sync_state IN ('sync', 'quorum')", check=False)
        return int(out.strip() or 0)

    writer = asyncio.create_task(acknowledged_writes())
    try:
        await _until(lambda: len(acked_at) >= 50, "no write acknowledged before the monitor's loss", 60)
        killed_at = time.monotonic()
        await asyncio.to_thread(ha.kill_node, "monitor")
        # Watched past the keeper's network-partition timeout: a primary cut off from the monitor *and* from its
        # standby demotes itself then; one that still streams to its standby must not.
        window = ha.timeouts.network_partition_timeout_s + 2
        await _until(lambda: time.monotonic() > killed_at + window and sum(1 for t in acked_at if t > killed_at) >= 200,
                     "writes stopped without the monitor", window + 60)
        without_monitor = sum(1 for t in acked_at if t > killed_at)
        sync_meanwhile = await asyncio.to_thread(synchronous_standbys)
        restarted_at = time.monotonic()
        await asyncio.to_thread(ha.restart_node, "monitor")
        await asyncio.to_thread(ha.wait_standby, 120)
        back_s = time.monotonic() - restarted_at
        states = {node.name: node.reported for node in await asyncio.to_thread(ha.states)}
    finally:
        stop.set()
        await asyncio.gather(writer, return_exceptions=True)
        await engine.dispose()
        if ha.keeper_pid("monitor") is None:
            await asyncio.to_thread(ha.restart_node, "monitor")
    gaps = [later - earlier for earlier, later in itertools.pairwise(acked_at) if later > killed_at]
    reliability.record(
        "database_monitor_lost", kind="database",
        passed=sync_meanwhile >= 1 and states.get(primary.name) == "primary" and max(gaps) < 2,
        title="The pg_auto_failover monitor killed: the pair serves on, synchronously",
        load="acknowledged upserts every 20 ms",
        observed={"writes acknowledged without the monitor": without_monitor,
                  "longest gap between acknowledged writes (s)": round(max(gaps), 2),
                  "synchronous standbys streaming meanwhile": sync_meanwhile,
                  "monitor restarted -> pair seen whole (s)": round(back_s, 2),
                  "primary afterwards": states.get(primary.name, "?")})
    assert sync_meanwhile >= 1, "the standby left the quorum without the monitor"
    assert states.get(primary.name) == "primary", states  # no failover, no demotion
    assert max(gaps) < 2, "commits stalled without the monitor"
