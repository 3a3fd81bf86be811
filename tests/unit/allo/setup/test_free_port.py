"""Ports chosen for a stack: free, never twice, and out of the way of outgoing connections."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from allo.setup import sipp
from allo.setup.sipp import SippError, bindable, ephemeral_range, free_port


def test_ports_are_even_free_outside_the_ephemeral_range_and_never_handed_out_twice():
    ephemeral = ephemeral_range()
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    assert all(port % 2 == 0 and port not in ephemeral and not 20000 <= port < 21000 and port < 30000
               for port in ports)
    assert all(bindable(port) for port in ports[:20])  # free for both transports


def test_a_port_in_use_is_skipped_and_none_left_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    held_port, other = [port for port in range(10000, 20000, 2)
                        if port not in sipp._HANDED_OUT and bindable(port)][:2]
    monkeypatch.setattr(sipp, "PORT_POOL", (held_port, other))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", held_port))
        assert free_port() == other
        with pytest.raises(SippError, match="no free port"):
            free_port()  # the held one is in use, the other already handed out


def test_the_ephemeral_range_is_read_from_the_kernel_or_defaults(tmp_path: Path):
    custom = tmp_path / "range"
    custom.write_text("15000\t16000\n")
    assert ephemeral_range(custom) == range(15000, 16001)
    assert ephemeral_range(tmp_path / "missing") == range(32768, 61000)
