"""The sender's STARTTLS, implicit TLS and login against real aiosmtpd servers with a certificate made here (signed
by a CA of the test's own, given as ALLO_SMTP_CA_FILE): delivered; a server demanding STARTTLS from a sender set
without it is a configuration fault, retried, never abandoned."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from allo.confirmations.compose import compose
from allo.confirmations.sender import SendOutcome, smtp_sender
from allo.setup.sipp import free_port

pytestmark = pytest.mark.integration

CONTENT = {"sheets": [{"id": "F1", "title": "Titre", "summary": "", "url": "https://www.service-public.fr/F1"}],
           "bodies": []}


def _certificate(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key): a CA and a certificate for 127.0.0.1 it signs."""
    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "allo test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class Keep:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content)
        return "250 OK"


def _authenticator(keep: Keep):
    def check(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"allo", b"s3cret")
        if ok:
            keep.logins.append(data.login.decode())
        return AuthResult(success=ok)
    return check


@pytest.fixture
def tls(tmp_path):
    ca, cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    started: list[Controller] = []

    def start(**kwargs) -> tuple[int, Keep]:
        keep, port = Keep(), free_port()
        smtp = Controller(keep, hostname="127.0.0.1", port=port, authenticator=_authenticator(keep), **kwargs)
        smtp.start()
        started.append(smtp)
        return port, keep

    yield ca, context, start
    for smtp in started:
        smtp.stop()


def _mail():
    return compose(CONTENT, "camille@exemple.fr", "<confirmation-tls@test>", sender="allo@exemple.fr",
                   created=datetime.now(UTC))


async def test_starttls_with_login_is_delivered(tls, test_settings):
    ca, context, start = tls
    port, keep = start(tls_context=context, require_starttls=True, auth_required=True)
    settings = test_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": True,
                                                "smtp_ca_file": ca, "smtp_username": "allo",
                                                "smtp_password": SecretStr("s3cret")})
    result = await smtp_sender(settings)(_mail())
    assert result.outcome is SendOutcome.SENT, result.error
    assert keep.logins == ["allo"] and len(keep.messages) == 1


async def test_implicit_tls_is_delivered(tls, test_settings):
    ca, context, start = tls
    port, keep = start(ssl_context=context, server_hostname="127.0.0.1")
    settings = test_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": True,
                                                "smtp_ca_file": ca})
    result = await smtp_sender(settings)(_mail())
    assert result.outcome is SendOutcome.SENT, result.error
    assert len(keep.messages) == 1


async def test_a_server_demanding_starttls_from_a_sender_without_it_is_retried(tls, test_settings):
    _ca, context, start = tls
    port, keep = start(tls_context=context, require_starttls=True)
    settings = test_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    result = await smtp_sender(settings)(_mail())
    assert result.outcome is SendOutcome.RETRY and "530" in result.error and "@" not in result.error
    assert keep.messages == []
