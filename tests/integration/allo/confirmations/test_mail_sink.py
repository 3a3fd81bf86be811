"""`allo mail-sink` as `make run` starts and stops it (allo/setup/mail_sink.py): a real SMTP server that keeps each
mail whole as an .eml file under <state_dir>/mail, and says where."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import pytest

from allo.setup.mail_sink import PID_FILE, start_mail_sink, stop_mail_sink
from allo.setup.procs import pid_alive
from allo.setup.sipp import free_port
from tests.mail_kit import mail_files, port_open, wait_for_mails

pytestmark = pytest.mark.integration


def _wait(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_make_run_starts_the_sink_under_the_state_dir_and_stops_it(test_settings, tmp_path, capsys):
    settings = test_settings.model_copy(update={"state_dir": tmp_path, "smtp_port": free_port(),
                                                "mail_sink_dir": None})
    proc = start_mail_sink(settings)
    assert proc is not None
    try:
        assert f"keeps each one as a .eml file in {tmp_path / 'mail'}" in capsys.readouterr().out
        _wait(lambda: port_open("127.0.0.1", settings.smtp_port))
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@exemple.fr", "b@exemple.fr", "Essai"
        message.set_content("Bonjour")
        with smtplib.SMTP("127.0.0.1", settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
        (mail,) = wait_for_mails(tmp_path / "mail", 1)
        assert mail["Subject"] == "Essai" and mail.get_content().strip() == "Bonjour"
        assert not list((tmp_path / "mail").glob(".incoming-*"))  # written whole, then renamed
    finally:
        stop_mail_sink(settings)
    assert proc.wait(10) == 0 and not pid_alive(proc.pid)
    assert not (tmp_path / PID_FILE).exists() and not port_open("127.0.0.1", settings.smtp_port)
    assert b"b@exemple.fr" not in (tmp_path / "mail-sink.log").read_bytes()  # aiosmtpd's RCPT log is silenced
    assert len(mail_files(tmp_path / "mail")) == 1


def test_no_local_sink_when_mails_go_to_another_server(test_settings, tmp_path, capsys):
    settings = test_settings.model_copy(update={"state_dir": tmp_path, "smtp_host": "smtp.exemple.fr"})
    assert start_mail_sink(settings) is None
    assert "go to smtp.exemple.fr" in capsys.readouterr().out and not (tmp_path / PID_FILE).exists()
