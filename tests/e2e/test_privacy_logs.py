"""Logs never contain a caller number nor a caller's e-mail address: real calls from a known number (to an adviser,
who sends the caller a written confirmation by e-mail, delivered by a real SMTP server; again after a pseudonym key
rotation; a callback booked from the menu and dialled back), then the number and the address are searched for in a
pg_dump, the PostgreSQL data directory, `allo serve`'s log, every file of the Asterisk instance and of the state
directory."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from allo.db.callback_models import Callback, CallbackStatus
from allo.db.models import Call, CallOutcome
from allo.privacy.pseudonyms import pseudonymise
from allo.setup import sipp
from allo.setup.postgres import PG_USER, pg_bin
from allo.setup.procs import as_user, run
from allo.setup.secrets import new_secret
from tests import reliability
from tests.adviser_kit import adviser_headers
from tests.e2e.agent_kit import register_phone
from tests.e2e.callback_kit import CitizenPhones, wait_status
from tests.e2e.e2e_rows import wait_call_row
from tests.mail_kit import MailSink

pytestmark = pytest.mark.e2e

NUMBER = "0611223344"
VARIANTS = ("0611223344", "+33611223344", "33611223344", "611223344")
# A number stored in a bytea column would show in the dump as hex.
EMAIL = "prive.confirmation-3939@exemple.fr"  # the caller's address, typed by the adviser for a confirmation
NEEDLES = ([v.encode() for v in VARIANTS] + [v.encode().hex().encode() for v in VARIANTS]
           + [EMAIL.encode(), EMAIL.split("@", maxsplit=1)[0].encode(), EMAIL.encode().hex().encode()])
ADVISERS = ("agent1001", "agent1002")


@pytest.fixture
def phones(test_settings, tmp_path) -> Iterator[CitizenPhones]:
    phones = CitizenPhones(test_settings.sip_port, sipp.free_port(), tmp_path / "citizen-phones.log").start()
    yield phones
    phones.stop()


@pytest.fixture
def sink(tmp_path) -> Iterator[MailSink]:
    """The SMTP server receiving the confirmation: outside the state directory (it is the caller's inbox)."""
    with MailSink(tmp_path / "smtp") as sink:
        yield sink


def _confirm(service, call: Call, sink: MailSink) -> None:
    """The adviser who answered sends the caller a confirmation; it is delivered and its row holds no address."""
    assert call.agent is not None
    with httpx.Client(base_url=service.base_url, headers=adviser_headers(service, call.agent), timeout=10) as desk:
        sent = desk.post(f"/api/desk/calls/{call.call_id}/confirmation",
                         json={"address": EMAIL, "sheets": ["F90111"]})
        assert sent.status_code == 202, sent.text
        sink.wait_for(1, timeout=20)
        deadline = time.monotonic() + 20
        while desk.get(f"/api/desk/calls/{call.call_id}/confirmations").json()[0]["status"] != "sent":
            assert time.monotonic() < deadline, "the confirmation was not marked sent"
            time.sleep(0.1)


def _restart(service, env: dict[str, str]) -> None:
    service.stop()
    service.fixed_now = service.DEFAULT_NOW
    service.env = env
    service.start()


async def _call(settings, keys: str = "1") -> Call:
    since = time.time()
    result = await asyncio.to_thread(sipp.citizen(settings.sip_port, caller=NUMBER, keys=keys).run)
    assert result.ok, result.log
    return await wait_call_row(settings, since=since - 0.5, until=CallOutcome.COMPLETED, timeout=20)


async def _menu_callback(settings) -> Callback:
    started = datetime.now(UTC)
    # 5 in the main menu, then 1: "call me back on the number I am calling from".
    result = await asyncio.to_thread(sipp.citizen(settings.sip_port, caller=NUMBER, keys="5@1500,1@3000").run)
    assert result.ok, result.log
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        for _ in range(100):
            async with engine.connect() as conn:
                row = (await conn.execute(select(Callback).where(Callback.created_at >= started,
                                                                 Callback.origin == "menu"))).first()
            if row is not None:
                return row  # type: ignore[return-value]
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    raise AssertionError("no callback booked from the menu")


def _files(*tops: Path) -> list[Path]:
    """Regular files under `tops`, symbolic links not followed."""
    found = []
    for top in tops:
        if top.is_file():
            found.append(top)
        for folder, _dirs, names in os.walk(top):
            found += [Path(folder) / name for name in names if (Path(folder) / name).is_file()
                      and not (Path(folder) / name).is_symlink()]
    return found


def _search(blob: bytes) -> dict[str, int]:
    return {needle.decode(): blob.count(needle) for needle in NEEDLES if blob.count(needle)}


async def test_a_known_caller_number_is_in_no_log_no_dump_and_no_file(
        test_settings, allo_service, asterisk, postgres, ami_watch, demo_passwords, phones, sink):
    old_key = test_settings.pseudonym_key.get_secret_value()
    env = {"ALLO_CALLBACK_DIAL": f"PJSIP/trunk/sip:{{number}}@127.0.0.1:{phones.sipp.port}",
           "ALLO_CALLBACK_POLL_INTERVAL": "0.3", "ALLO_CALLBACK_RETRY_MINUTES": "0.05",
           **sink.env(), "ALLO_MAIL_POLL_INTERVAL": "0.3"}
    _restart(allo_service, env)
    answering = {}
    try:
        for username in ADVISERS:
            port = await register_phone(test_settings, username, demo_passwords[username])
            await ami_watch.client.queue_add("l1", f"PJSIP/{username}", username)
            # Long enough to stay on the line while a callback rings the citizen's phone.
            answering[username] = sipp.agent(test_settings.sip_port, port, calls=10, talk_ms=6000).start()
        first = await _call(test_settings)
        assert first.agent in ADVISERS and first.caller_hash == pseudonymise(old_key.encode(), NUMBER)
        _confirm(allo_service, first, sink)

        # The pseudonym key is rotated (the old one stays accepted): the caller is still recognised.
        new_key = new_secret()
        _restart(allo_service, {**env, "ALLO_PSEUDONYM_KEY": new_key, "ALLO_PSEUDONYM_KEYS_PREVIOUS": old_key})
        again = await _call(test_settings)
        assert (again.agent, again.preferred_agent) == (first.agent, True)
        assert again.caller_hash == pseudonymise(new_key.encode(), NUMBER) != first.caller_hash

        booked = await _menu_callback(test_settings)
        await phones.wait_invites(NUMBER, 1, timeout=40)
        row, _attempts = await wait_status(test_settings, str(booked.public_id), CallbackStatus.DONE, timeout=40)
        assert row.phone_cipher is None
    finally:
        for username, phone in answering.items():
            phone.stop()
            await ami_watch.client.queue_remove("l1", f"PJSIP/{username}")
        allo_service.stop()  # its log is complete once it has stopped
        allo_service.env = {}
    calls_placed = 3

    dump = run(as_user(PG_USER, [str(pg_bin() / "pg_dump"), "-h", str(postgres.socket_dir), "-p",
                                 str(postgres.port), "-d", "allo"]), timeout=120).stdout.encode()
    assert again.caller_hash.encode() in dump and b"callback_attempts" in dump  # the dump holds these calls
    asterisk_files = _files(asterisk.host_path(asterisk.log_dir), asterisk.host_path(asterisk.var_dir))
    messages = asterisk.host_path(f"{asterisk.log_dir}/messages.log")
    assert messages in asterisk_files and messages.stat().st_size > 0
    assert allo_service.log.stat().st_size > 0
    searched = {"pg_dump": [dump]}
    groups = {"postgresql data directory (tables, WAL, server.log)": _files(postgres.data_dir),
              "asterisk logs, astdb and spool": asterisk_files,
              "state directory (serve.log, secrets, generated files)": _files(test_settings.state_dir)}
    found: dict[str, dict[str, int]] = {}
    files = 1
    size = len(dump)
    for label, blobs in searched.items():
        for blob in blobs:
            if hits := _search(blob):
                found[label] = hits
    vanished: list[Path] = []
    for label, paths in groups.items():
        for path in paths:
            try:
                blob = path.read_bytes()
            except FileNotFoundError:
                # Listed, then gone before being read: a transient file of a live program (Asterisk's
                # astdb.sqlite3-journal, a PostgreSQL temporary file). Its content, if kept, is in a file read here.
                vanished.append(path)
                continue
            files, size = files + 1, size + len(blob)
            if hits := _search(blob):
                found[f"{label}: {path}"] = hits
    # The search does find the number where it is expected: the SIPp log of the citizen's own phone.
    control = _search(phones.log.read_bytes())
    mails = sink.mails()
    mail_control = _search(b"".join(path.read_bytes() for path in sorted(sink.folder.glob("*.eml"))))
    # Every variant contains the shortest one: counting it (and its hex) counts each occurrence once.
    shortest = (VARIANTS[-1], VARIANTS[-1].encode().hex())
    occurrences = sum(hits.get(needle, 0) for hits in found.values() for needle in shortest)
    address_occurrences = sum(hits.get(EMAIL.split("@", maxsplit=1)[0], 0) for hits in found.values())
    reliability.record(
        "privacy_caller_number_in_no_log", kind="privacy",
        title="A known caller number searched for in the database dump, PostgreSQL's files and every log",
        load=f"{calls_placed} real SIP calls from {NUMBER} (menu -> adviser; again after a pseudonym key rotation; "
             "a callback booked from the menu and dialled back)",
        observed={"calls placed": calls_placed, "callbacks dialled": 1, "confirmation mails delivered": len(mails),
                  "e-mail address occurrences found": address_occurrences,
                  "e-mail address occurrences in the control (the SMTP server's .eml)": mail_control.get(EMAIL, 0),
                  "repeat caller recognised across the key rotation": "yes",
                  "variants searched (and their hex)": ", ".join(VARIANTS),
                  "files searched": files, "bytes searched": size, "pg_dump bytes": len(dump),
                  "files gone between listing and reading (skipped)": len(vanished),
                  "occurrences found": occurrences,
                  "occurrences in the control (citizen's SIPp log)": control.get(VARIANTS[-1], 0)},
        passed=occurrences == 0 and address_occurrences == 0 and bool(control) and bool(mail_control),
        notes="Found in: " + "; ".join(f"{where} {hits}" for where, hits in found.items()) if found else "")
    assert control, "the search found nothing even in the citizen's own SIPp log"
    assert len(mails) == 1 and mail_control.get(EMAIL), "the search found no address even in the delivered mail"
    assert found == {}
