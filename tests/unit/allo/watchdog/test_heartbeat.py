"""The in-loop heartbeat: beats on the loop, never blocks on a pipe nobody reads, stops when it is closed."""

from __future__ import annotations

import asyncio
import os
import time

from allo.watchdog.heartbeat import Heartbeat, PipeBeat
from allo.watchdog.sd_notify import SdNotifier


def test_a_full_pipe_does_not_block_the_beat():
    read_fd, write_fd = os.pipe()
    beat = PipeBeat(write_fd)
    try:
        started = time.monotonic()
        results = [beat.beat() for _ in range(100_000)]  # far more than a pipe holds (64 KiB)
        assert time.monotonic() - started < 5
        assert results[0] and not results[-1]  # the last ones were dropped, not waited for
        os.read(read_fd, 65536)
        assert beat.beat()  # room again
    finally:
        beat.close()
        os.close(read_fd)


def test_a_pipe_whose_reader_is_gone_stops_being_written():
    read_fd, write_fd = os.pipe()
    beat = PipeBeat(write_fd)
    os.close(read_fd)
    assert not beat.beat()  # EPIPE (Python ignores SIGPIPE)
    assert beat.fd is None
    assert not beat.beat()


async def test_the_loop_beats_at_its_interval_until_stopped():
    read_fd, write_fd = os.pipe()
    heartbeat = Heartbeat(0.05, PipeBeat(write_fd), SdNotifier(None))
    assert heartbeat.active
    heartbeat.start()
    try:
        deadline = time.monotonic() + 5
        while heartbeat.beats < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert heartbeat.beats >= 5
    finally:
        await heartbeat.stop()
    assert len(os.read(read_fd, 65536)) == heartbeat.beats
    assert os.read(read_fd, 1) == b""  # the write end is closed: the supervisor sees EOF
    os.close(read_fd)


async def test_without_a_pipe_or_systemd_watchdog_there_is_nothing_to_beat_for():
    heartbeat = Heartbeat(0.05, None, SdNotifier("/nonexistent.sock", watchdog_s=None))
    assert not heartbeat.active
    heartbeat.start()
    await asyncio.sleep(0)
    assert heartbeat.beats == 0
    await heartbeat.stop()
