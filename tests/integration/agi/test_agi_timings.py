"""The benchmark timings observer (allo.fastagi.timings.TimedObserver) on a real AgiServer over TCP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agi import AgiServer, AgiSession, SessionOutcome
from allo.fastagi.timings import TimedObserver, TimingsSink
from tests.integration.agi.agi_fake_asterisk import FakeAsterisk, RecordingObserver, header_block

pytestmark = pytest.mark.integration

THINK_S = 0.05


async def test_round_trips_think_times_and_session_totals_are_recorded(tmp_path: Path) -> None:
    async def ivr(session: AgiSession) -> None:
        await session.stream_file("welcome")
        await asyncio.sleep(THINK_S)  # the service "deciding" between two commands
        await session.set_variable("ALLO_QUEUE", "l1")

    inner = RecordingObserver()
    sink = TimingsSink(tmp_path / "timings.tsv")
    server = AgiServer({"ivr": ivr}, port=0, observer=TimedObserver(inner, sink))
    await server.start()
    fake = await FakeAsterisk.connect(server.port)
    try:
        await fake.send(header_block())
        await fake.answer('STREAM FILE welcome ""', "200 result=0 endpos=16000")
        assert await fake.command() == "SET VARIABLE ALLO_QUEUE l1"
        await asyncio.sleep(0.02)  # Asterisk taking its time: not the service's
        await fake.send(b"200 result=1\n")
        await fake.expect_close()
    finally:
        await fake.close()
    assert await inner.wait_ended(1) == {SessionOutcome.COMPLETED: 1}
    await server.stop(drain_timeout=1.0)
    await sink.stop()

    assert inner.commands == ["STREAM FILE", "SET VARIABLE"]  # the metrics observer still sees everything
    rows = [line.split("\t") for line in (tmp_path / "timings.tsv").read_text().splitlines()]
    samples = {(kind, label): float(seconds) for _, kind, label, seconds in rows}
    assert set(samples) == {("agi", "STREAM FILE"), ("agi", "SET VARIABLE"), ("think", "accept>STREAM FILE"),
                            ("think", "STREAM FILE>SET VARIABLE"), ("session", "completed")}
    assert samples["agi", "SET VARIABLE"] >= 0.02  # the round trip includes Asterisk's delay ...
    assert THINK_S <= samples["think", "STREAM FILE>SET VARIABLE"] < THINK_S + 0.015  # ... the think time not
    assert samples["think", "accept>STREAM FILE"] < 0.05
    total = samples["think", "accept>STREAM FILE"] + samples["think", "STREAM FILE>SET VARIABLE"]
    assert samples["session", "completed"] == pytest.approx(total, abs=1e-6)
