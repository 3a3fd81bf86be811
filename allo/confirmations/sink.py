"""`allo mail-sink`: a real SMTP server (aiosmtpd) for `make run` and the tests, that keeps each mail it accepts
as an `.eml` file (written to a temporary name, then renamed: a reader never sees half a mail). It relays nothing:
the folder is the inbox of every address."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from allo.settings import Settings

log = logging.getLogger(__name__)


def sink_dir(settings: Settings) -> Path:
    return settings.mail_sink_dir if settings.mail_sink_dir is not None else settings.state_dir / "mail"


def write_atomically(folder: Path, data: bytes) -> Path:
    """`<UTC time>-<random>.eml` in `folder`, complete or absent."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return folder / name


class MailSinkHandler:
    """aiosmtpd handler: every recipient accepted, every message kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.received = 0

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or (envelope.content if isinstance(envelope.content, bytes) else b"")
        path = await asyncio.to_thread(write_atomically, self.folder, data)
        self.received += 1
        log.info("mail kept: %s", path.name)
        return "250 Message accepted for delivery"


async def serve_sink(host: str, port: int, folder: Path, stop: asyncio.Event) -> None:
    handler = MailSinkHandler(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="allo-mail-sink", enable_SMTPUTF8=True),
                                      host, port)
    print(f"allo mail-sink: SMTP on {host}:{port}, mails kept in {folder}", flush=True)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


def run_sink(settings: Settings, port: int | None = None, folder: Path | None = None) -> int:
    """Until SIGTERM or SIGINT."""
    target = folder or sink_dir(settings)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs each RCPT TO: no address in logs
    target.mkdir(parents=True, exist_ok=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve_sink(settings.smtp_host, port or settings.smtp_port, target, stop)

    asyncio.run(main())
    return 0
