"""Kamailio in front of the bench's Asterisk (section 9): started with allo's own configuration
(allo/setup/kamailio.py, kamailio-conf/kamailio.cfg) and one node in its dispatcher set, its statistics read over
its JSON-RPC FIFO (KamailioProcess.rpc), and the rows PostgreSQL wrote."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from allo.errors import SetupError
from allo.setup import sipp
from allo.setup.kamailio import KamailioConf, KamailioProcess, kamailio_db_urls
from bench.stack import BenchStack

REQUEST_STATS = ("core:rcv_requests", "core:fwd_requests", "core:rcv_replies", "core:fwd_replies")


def start(stack: BenchStack) -> KamailioProcess:
    """Kamailio on 127.0.0.1, a free port; the trunk is SIPp's address (127.0.0.1), the node the bench's Asterisk.
    Both share 127.0.0.1: the proxy tells the node by its port (ds_is_from_list compares address and port)."""
    conf = KamailioConf(listen="127.0.0.1", port=sipp.free_port(), trunk_match="127.0.0.1",
                        nodes=(f"127.0.0.1:{stack.settings.sip_port}",),
                        db_urls=kamailio_db_urls(stack.settings.asyncpg_dsn),
                        trunk_target=f"127.0.0.1:{sipp.free_port()}", run_dir=stack.state_dir / "kamailio")
    proxy = KamailioProcess(conf)
    proxy.start()
    return proxy


def request_counts(proxy: KamailioProcess) -> dict[str, int] | None:
    """Kamailio's core counters of SIP requests and replies received and forwarded, or None (no answer)."""
    try:
        result = proxy.rpc("stats.get_statistics", "core:")
    except (SetupError, OSError, ValueError):
        return None
    if not isinstance(result, list):
        return None
    return parse_stats(result)


def parse_stats(lines: list[Any]) -> dict[str, int]:
    """["core:rcv_requests = 12", ...] as {"core:rcv_requests": 12, ...} (the counters of REQUEST_STATS)."""
    counts: dict[str, int] = {}
    for line in lines:
        name, sep, value = str(line).partition("=")
        if sep and name.strip() in REQUEST_STATS:
            with contextlib.suppress(ValueError):
                counts[name.strip()] = int(value.strip())
    return counts


def postmaster_pid(stack: BenchStack) -> int | None:
    assert stack.postgres is not None
    try:
        return int((stack.postgres.data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def rows_written(stack: BenchStack) -> int:
    """Rows inserted, updated and deleted in allo's tables so far (pg_stat_user_tables)."""
    assert stack.postgres is not None
    out = stack.postgres.psql("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables",
                              database="allo")
    return int(out.strip().splitlines()[-1].strip())


def rows_settled(stack: BenchStack, within: float = 15.0) -> int:
    """rows_written() once it stops moving: backends report their counters up to 10 s after their last
    transaction (PostgreSQL 15's statistics flush), so one read right after a step would miss some."""
    deadline = time.monotonic() + within
    last = rows_written(stack)
    while time.monotonic() < deadline:
        time.sleep(2.0)
        now = rows_written(stack)
        if now == last:
            return now
        last = now
    return last
