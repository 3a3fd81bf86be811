"""A real SMTP server for the tests: `allo mail-sink` as a subprocess on a free port, writing each mail it accepts
as an .eml file; wait for N mails with a deadline and parse them with the stdlib `email` parser.

    with MailSink(tmp_path) as sink:                      # started, port free, folder tmp_path/"mail"
        service_env = sink.env()                          # {"ALLO_SMTP_HOST": ..., "ALLO_SMTP_PORT": ...}
        mails = sink.wait_for(1, timeout=15)              # [EmailMessage], oldest first
        assert message_ids(mails) == {...}; links(html_of(mails[0]))
    sink.stop(); sink.start()                             # SMTP down, then up again on the same port
"""

from __future__ import annotations

import email
import email.policy
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from email.message import EmailMessage
from pathlib import Path

from allo.setup.sipp import free_port

HREF = re.compile(r'href="([^"]+)"')


def parse_mail(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def mail_files(folder: Path) -> list[Path]:
    """The mails kept so far, oldest first (temporary files of a write in progress are not mails yet)."""
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def wait_for_mails(folder: Path, count: int, timeout: float = 15.0) -> list[EmailMessage]:
    """At least `count` mails in `folder` before the deadline (AssertionError otherwise); all of them, parsed."""
    deadline = time.monotonic() + timeout
    while True:
        files = mail_files(folder)
        if len(files) >= count:
            return [parse_mail(path) for path in files]
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(files)} mail(s) in {folder} after {timeout:g} s, expected {count}")
        time.sleep(0.05)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())


def links(html: str) -> list[str]:
    return HREF.findall(html)


def message_id(mail: EmailMessage) -> str:
    """The Message-ID as allo stored it (a long one is folded on the wire: the parser keeps the fold's blank)."""
    return str(mail["Message-ID"]).strip()


def message_ids(mails: Iterable[EmailMessage]) -> set[str]:
    return {message_id(m) for m in mails}


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class MailSink:
    """`allo mail-sink` on 127.0.0.1:`port` (a free one by default), mails under `root`/mail."""

    HOST = "127.0.0.1"

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.folder = root / "mail"
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / "mail-sink.log"

    def env(self) -> dict[str, str]:
        """The settings that point `allo serve` (or a worker) at this sink."""
        return {"ALLO_SMTP_HOST": self.HOST, "ALLO_SMTP_PORT": str(self.port)}

    def start(self, timeout: float = 15.0) -> MailSink:
        self.root.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "allo.cli.main", "--state-dir", str(self.root / "sink-state"),
                   "mail-sink", "--port", str(self.port), "--dir", str(self.folder)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not port_open(self.HOST, self.port):
            if self.proc.poll() is not None:
                raise AssertionError(f"allo mail-sink exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"allo mail-sink not listening on {self.port} after {timeout:g} s")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def mails(self) -> list[EmailMessage]:
        return [parse_mail(path) for path in mail_files(self.folder)]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        return wait_for_mails(self.folder, count, timeout)
