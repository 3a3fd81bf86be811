"""Hand one confirmation to the SMTP server of the settings (aiosmtplib: STARTTLS or implicit TLS, optional login)
and say what became of it. Replies are reduced to their code and a fixed French text: a server's own text often
repeats the recipient's address, and `last_error` must never hold one."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from allo.settings import Settings


class SendOutcome(enum.StrEnum):
    SENT = "sent"  # the server accepted the message: the row is marked sent, the address erased
    RETRY = "retry"  # connection refused, timeout, 4xx, a configuration the server refused (login, TLS)
    REFUSED = "refused"  # a 5xx for the recipient or the message: abandoned at once


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    error: str = ""  # French, without any address


Sender = Callable[[EmailMessage], Awaitable[SendResult]]


def _by_code(code: int, what: str) -> SendResult:
    if 500 <= code < 600:
        return SendResult(SendOutcome.REFUSED, f"{what} refusé par le serveur de messagerie (code {code})")
    return SendResult(SendOutcome.RETRY, f"{what} refusé pour l'instant par le serveur de messagerie (code {code})")


def classify(exc: BaseException) -> SendResult:
    """What an aiosmtplib error means for the outbox (pure)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in exc.recipients] or [450]
        return _by_code(min(codes), "Destinataire")
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return _by_code(exc.code, "Destinataire" if isinstance(exc, aiosmtplib.SMTPRecipientRefused) else "Message")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return SendResult(SendOutcome.RETRY, f"Identifiants SMTP refusés (code {exc.code})")
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return SendResult(SendOutcome.RETRY, f"Expéditeur refusé par le serveur de messagerie (code {exc.code})")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return SendResult(SendOutcome.RETRY, "Serveur de messagerie : délai dépassé")
    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionError):
        return SendResult(SendOutcome.RETRY, "Serveur de messagerie injoignable")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return SendResult(SendOutcome.RETRY, "Le serveur de messagerie ne propose pas une extension requise "
                                             "(STARTTLS, ou SMTPUTF8 pour une adresse accentuée)")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendResult(SendOutcome.RETRY, f"Réponse inattendue du serveur de messagerie (code {exc.code})")
    return SendResult(SendOutcome.RETRY, f"Échec de l'envoi ({type(exc).__name__})")


def smtp_sender(settings: Settings) -> Sender:
    password = settings.smtp_password.get_secret_value()

    async def send(message: EmailMessage) -> SendResult:
        try:
            await aiosmtplib.send(
                message, hostname=settings.smtp_host, port=settings.smtp_port,
                username=settings.smtp_username or None, password=password if settings.smtp_username else None,
                use_tls=settings.smtp_tls, start_tls=settings.smtp_starttls and not settings.smtp_tls,
                cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file is not None else None,
                timeout=settings.smtp_timeout)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return classify(exc)
        return SendResult(SendOutcome.SENT)

    return send
