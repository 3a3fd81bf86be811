"""The feeds across nodes with the real test stack (docs/dashboard.md and docs/desk.md, "Two nodes"): the running
service is node "a"; a fictitious node "b" is what the test writes in PostgreSQL as b's allo would (its
`node_live` row, its `NOTIFY allo_desk`, its ledger rows). The real two-node runs are in tests/cluster/."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from acd.ami.events import QueueCallerJoin
from allo.auth.roles import Role
from allo.desk.node_events import NodeEvent, NodeEventKind
from allo.setup import sipp
from tests.adviser_kit import adviser_headers
from tests.browser_kit import login, shot
from tests.e2e.test_desk_live import desk_stream

pytestmark = pytest.mark.e2e

AGENT = "agent1001"
SURGE = 5  # wrong codes a minute for the alert in this module (30 by default)


@pytest.fixture(scope="module")
def node_a(allo_service, asterisk) -> Iterator[Any]:
    """The service as node "a" of a cluster (short surge poll), restored to a single node afterwards."""
    allo_service.stop()
    allo_service.env = {"ALLO_NODE_NAME": "a", "ALLO_SURGE_POLL_SECONDS": "0.5",
                        "ALLO_ACCESS_CODE_SURGE_PER_MINUTE": str(SURGE)}
    allo_service.start()
    yield allo_service
    allo_service.stop()
    allo_service.env = {}
    asyncio.run(_forget_node(allo_service.settings.sqlalchemy_url, "a"))


async def _forget_node(url: str, node: str) -> None:
    """What node a left in the shared tables (its heartbeat, its live view): the next tests run a single node."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM node_live WHERE node = :n"), {"n": node})
            await conn.execute(text("DELETE FROM cluster_nodes WHERE name = :n"), {"n": node})
    finally:
        await engine.dispose()


@pytest.fixture
async def db(test_settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(test_settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


async def until(what: str, probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    """The first truthy result of `probe()` (awaited if need be) within `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s (last: {last!r}, seen: {SEEN!r})")


def b_snapshot(caller: str, joined: float, call: str, connected: float) -> dict[str, Any]:
    """What b's allo writes: one caller waiting in l1 for 40 s, agent1001 in a call on b."""
    member = {"interface": f"PJSIP/{AGENT}", "name": AGENT, "status": "INUSE", "paused": False, "reason": "",
              "in_call": True, "calls_taken": 3, "paused_since": None}
    return {"v": 1, "ami": True,
            "queues": {"l1": {"strategy": "leastrecent", "members": [member],
                              "waiting": [{"uniqueid": caller, "position": 1, "joined": joined}]}},
            "calls": [{"call_id": call, "queue": "l1", "agent": AGENT, "channel": f"PJSIP/{AGENT}-000001",
                       "connected": connected}]}


async def dashboard(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/dashboard")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def l1_of(document: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in document["queues"] if q["name"] == "l1")


async def test_b_waiting_caller_is_merged_with_as_queue_then_left_out_when_stale(test_settings, node_a, ami_watch,
                                                                                  db, page: Page) -> None:
    now = time.time()
    b_caller, b_call = f"b-{now:.0f}.1", f"b-{now:.0f}.0"
    supervisor = node_a.headers(Role.SUPERVISOR)
    citizen = sipp.citizen(test_settings.sip_port, caller="0655400021", keys="1").start()
    b_alive: asyncio.Task[None] | None = None
    try:
        joined = await ami_watch.wait_for(QueueCallerJoin, lambda e: e.queue == "l1", timeout=40)
        # a writes its own view: its caller is in its node_live row.
        async with db.connect() as conn:
            mine = await until("a's node_live row", lambda: _row(conn, "a"))
        assert joined.uniqueid in [c["uniqueid"] for c in mine["queues"]["l1"]["waiting"]]
        async with httpx.AsyncClient(base_url=node_a.base_url, headers=supervisor, timeout=10) as client:
            await dashboard(client)  # today's figures read once (the first read starts the counting process)
            async with db.begin() as conn:
                await conn.execute(text("INSERT INTO node_live (node, snapshot, updated_at) VALUES "
                                        "('b', CAST(:s AS jsonb), now())"),
                                   {"s": json.dumps(b_snapshot(b_caller, now - 40, b_call, now - 20))})
            written = time.monotonic()
            b_alive = asyncio.create_task(keep_fresh(db, "b"))  # as b's allo does, every tick
            merged = await until("b's caller merged", lambda: _merged(client, 2), timeout=20)
            print(f"\n[dashboard] b's row written -> merged in a's /api/dashboard: "
                  f"{(time.monotonic() - written) * 1000:.0f} ms")
            l1 = l1_of(merged)
            # b's caller arrived first: first in the one list; each with its node; counts summed, max wait b's.
            assert [(c["uniqueid"], c["node"], c["position"]) for c in l1["callers"]] == \
                [(b_caller, "b", 1), (joined.uniqueid, "a", 2)]
            assert l1["waiting"] == 2 and merged["waiting"] >= 2 and l1["longest_wait_seconds"] >= 40
            assert {n["node"]: n["fresh"] for n in merged["live_nodes"]} == {"a": True, "b": True}
            assert 'allo_node_live_views{state="fresh"} 1.0' in await metrics(client, node_a)
            adviser = next(a for a in merged["agents"] if a["agent"] == AGENT)
            assert adviser["on_call"] and adviser["call_seconds"] >= 20  # in a call on b, though a sees none
            # The SSE stream carries the same merged view.
            streamed = await _streamed(client, lambda d: b_caller in [c["uniqueid"] for c in l1_of(d)["callers"]])
            assert [c["node"] for c in l1_of(streamed)["callers"]] == ["b", "a"]
            # The supervisor's page: one list, each caller's node said discreetly.
            await login(page, node_a, Role.SUPERVISOR, "/dashboard")
            rows = page.locator("#dash-callers tr.waiting-caller")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_have_attribute("data-uniqueid", b_caller)
            await expect(rows.nth(0).locator(".caller-node")).to_have_text("nœud b")
            await expect(rows.nth(1).locator(".caller-node")).to_have_text("nœud a")
            await expect(page.locator("#dash-live-nodes")).to_be_hidden()
            await shot(page, "dashboard-two-nodes")
            # b goes silent: its row ages past ALLO_NODE_LIVE_FRESH_SECONDS, its caller leaves a's dashboard.
            b_alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await b_alive
            async with db.begin() as conn:
                await conn.execute(text("UPDATE node_live SET updated_at = now() - interval '30 seconds' "
                                        "WHERE node = 'b'"))
            stale = await until("b's caller left out", lambda: _merged(client, 1))
            assert [c["uniqueid"] for c in l1_of(stale)["callers"]] == [joined.uniqueid]
            b = next(n for n in stale["live_nodes"] if n["node"] == "b")
            assert not b["fresh"] and b["age_seconds"] >= 30
            assert 'allo_node_live_views{state="stale"} 1.0' in await metrics(client, node_a)
            await expect(page.locator("#dash-live-nodes")).to_have_text("nœud b : données anciennes")
            await expect(rows).to_have_count(1)
    finally:
        citizen.stop()
        if b_alive is not None:
            b_alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await b_alive
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM node_live WHERE node = 'b'"))


async def keep_fresh(db: AsyncEngine, node: str) -> None:
    """`node`'s row kept fresh, as its allo keeps it (an unchanged view is written again every 2 ticks)."""
    while True:
        async with db.begin() as conn:
            await conn.execute(text("UPDATE node_live SET updated_at = now() WHERE node = :n"), {"n": node})
        await asyncio.sleep(0.5)


async def metrics(client: httpx.AsyncClient, service: Any) -> str:
    return (await client.get("/metrics", headers=service.headers(Role.OPS))).text


async def _row(conn: Any, node: str) -> dict[str, Any] | None:
    row = (await conn.execute(text("SELECT snapshot FROM node_live WHERE node = :n"), {"n": node})).first()
    await conn.rollback()  # a new snapshot of the table at the next probe
    return row.snapshot if row is not None and row.snapshot["queues"].get("l1", {}).get("waiting") else None


SEEN: list[Any] = []  # the last document a probe saw, for the failure's message


async def _merged(client: httpx.AsyncClient, waiting: int) -> dict[str, Any] | None:
    document = await dashboard(client)
    SEEN[:] = [{"l1": l1_of(document), "live_nodes": document.get("live_nodes")}]
    return document if l1_of(document)["waiting"] == waiting and "live_nodes" in document else None


async def _streamed(client: httpx.AsyncClient, wanted: Callable[[dict[str, Any]], bool],
                    timeout: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout), client.stream("GET", "/api/dashboard/stream") as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                document: dict[str, Any] = json.loads(line.removeprefix("data: "))
                if wanted(document):
                    return document
    raise AssertionError("the stream ended")


async def _b_row(db: AsyncEngine, *, age_seconds: float) -> None:
    """b's node_live row (an empty view) as of `age_seconds` ago."""
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO node_live (node, snapshot, updated_at) VALUES ('b', CAST(:s AS jsonb), "
                                "now() - make_interval(secs => :age)) ON CONFLICT (node) DO UPDATE SET "
                                "updated_at = EXCLUDED.updated_at"),
                           {"s": json.dumps({"v": 1, "ami": True, "queues": {}, "calls": []}), "age": age_seconds})


async def notify(db: AsyncEngine, event: NodeEvent) -> None:
    async with db.begin() as conn:
        await conn.execute(text("SELECT pg_notify('allo_desk', :p)"), {"p": event.payload()})


async def test_a_desk_event_of_node_b_reaches_the_advisers_desk_on_a_once(node_a, db) -> None:
    me = adviser_headers(node_a, AGENT)
    call_id, own, lost_id = f"b-{time.time():.0f}.5", f"a-{time.time():.0f}.6", f"b-{time.time():.0f}.7"
    started = time.time()
    async with db.begin() as conn:  # the call's record, written by b's recorder: the pop's context
        await conn.execute(text("INSERT INTO calls (call_id, dialled, started_at, outcome, keys, node) VALUES "
                                "(:c, '3939', now() - interval '1 minute', 'queued', '1', 'b')"), {"c": call_id})
    try:
        async with desk_stream(node_a, me) as stream, \
                httpx.AsyncClient(base_url=node_a.base_url, headers=me, timeout=10) as client:
            await stream.wait("state", lambda d: d["agent"] == AGENT, 5)
            assert (await client.post("/api/desk/login")).status_code == 200
            await stream.wait("state", lambda d: d["logged_in"] and not d["in_call"], 5)
            # a's own notification (a node hears its own) is ignored; b's pops.
            await notify(db, NodeEvent("a", NodeEventKind.CONNECTED, AGENT, own, "l1", 3, "queue", started))
            await notify(db, NodeEvent("b", NodeEventKind.CONNECTED, AGENT, call_id, "l1", 14, "queue", started))
            pop = await stream.wait("pop", lambda d: d["call_id"] == call_id, 5)
            print(f"\n[desk] NOTIFY from b -> pop on a's stream: {(pop.wall - started) * 1000:.0f} ms")
            assert pop.doc["waited_s"] == 14 and pop.doc["error"] is None, pop.doc
            assert pop.doc["path"]["keys"] == ["1"]  # read from the call's record in PostgreSQL
            await stream.wait("state", lambda d: d["status"] == "en-appel" and d["in_call"], 5)
            current = (await client.get("/api/desk/state")).json()  # what a page (re)loaded now shows
            assert current["call"]["call_id"] == call_id and current["state"]["status"] == "en-appel"
            # A supervisor's note written on b: b says so, a reads it from PostgreSQL and pushes it to the desk.
            async with db.begin() as conn:
                await conn.execute(text("INSERT INTO call_notes (call_id, author, text) VALUES "
                                        "(:c, 'superviseur', 'rappeler demain')"), {"c": call_id})
            await notify(db, NodeEvent("b", NodeEventKind.NOTES, "", call_id))
            notes = await stream.wait("notes", lambda d: d["call_id"] == call_id, 5)
            assert [n["text"] for n in notes.doc["notes"]] == ["rappeler demain"]
            await notify(db, NodeEvent("b", NodeEventKind.ENDED, AGENT, call_id, wrapup_deadline=1_900_000_000))
            ended = await stream.wait("call-ended", lambda d: d["call_id"] == call_id, 5)
            assert ended.doc["wrapup_deadline"] == 1_900_000_000
            assert not (await client.get("/api/desk/state")).json()["state"]["in_call"]
            assert [e.doc["call_id"] for e in stream.events if e.kind == "pop"] == [call_id]  # once, never a's own
            assert len([e for e in stream.events if e.kind == "call-ended"]) == 1
            # b's next call, then b falls silent (killed: no `ended` will come): a ends it on the desk.
            await _b_row(db, age_seconds=0)
            await notify(db, NodeEvent("b", NodeEventKind.CONNECTED, AGENT, lost_id, "l1", 2, "queue", time.time()))
            await stream.wait("pop", lambda d: d["call_id"] == lost_id, 5)
            assert (await client.get("/api/desk/state")).json()["state"]["in_call"]
            await _b_row(db, age_seconds=30)
            await stream.wait("call-ended", lambda d: d["call_id"] == lost_id, 5)
            after = (await client.get("/api/desk/state")).json()
            assert not after["state"]["in_call"] and after["call"]["ended"]  # the last call, shown as ended
            assert 'allo_desk_node_events_total{direction="received"} 4.0' in await metrics(client, node_a)
            assert (await client.post("/api/desk/logout")).status_code == 200
    finally:
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM node_live WHERE node = 'b'"))
            await conn.execute(text("DELETE FROM call_notes WHERE call_id = :c"), {"c": call_id})
            await conn.execute(text("DELETE FROM calls WHERE call_id = :c"), {"c": call_id})


async def test_the_surge_counts_the_wrong_codes_of_another_node(node_a, db) -> None:
    supervisor = node_a.headers(Role.SUPERVISOR)
    async with db.begin() as conn:  # b's allo wrote them: a's process never saw these callers
        ids = [row.id for row in await conn.execute(text(
            "INSERT INTO wrong_access_codes (at, caller_hash, relay) "
            "SELECT now(), NULL, false FROM generate_series(1, :n) RETURNING id"), {"n": SURGE + 1})]
    try:
        async with httpx.AsyncClient(base_url=node_a.base_url, headers=supervisor, timeout=10) as client:
            # Other tests' wrong codes of the last minute may count too (the ledger is the session's): at least b's.
            peak = await until("the surge of b's codes on a's dashboard", lambda: _alerts(
                client, lambda a: a["access_code_surge"] and a["wrong_codes_last_minute"] >= SURGE + 1))
            assert "allo_access_code_surge 1.0" in await metrics(client, node_a)
            async with db.begin() as conn:
                await conn.execute(text("DELETE FROM wrong_access_codes WHERE id = ANY(:ids)"), {"ids": ids})
            # b's codes gone from the ledger: a counts them no more (within a poll).
            await until("b's codes no longer counted", lambda: _alerts(
                client, lambda a: a["wrong_codes_last_minute"] <= peak["wrong_codes_last_minute"] - (SURGE + 1)))
    finally:
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM wrong_access_codes WHERE id = ANY(:ids)"), {"ids": ids})


async def _alerts(client: httpx.AsyncClient, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    alerts: dict[str, Any] = (await dashboard(client))["alerts"]
    return alerts if wanted(alerts) else None
