"""What an SMTP failure means for the outbox (pure), and the back-off; no text of the server's reply is kept."""

from __future__ import annotations

from datetime import timedelta

import aiosmtplib
import pytest

from allo.confirmations.outbox import backoff
from allo.confirmations.sender import SendOutcome, classify

ADDRESS = "camille.martin@exemple.fr"


@pytest.mark.parametrize(("exc", "outcome"), [
    (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, f"<{ADDRESS}>: unknown", ADDRESS)]),
     SendOutcome.REFUSED),
    (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(451, f"<{ADDRESS}>: greylisted", ADDRESS)]),
     SendOutcome.RETRY),
    (aiosmtplib.SMTPDataError(554, f"rejected for {ADDRESS}"), SendOutcome.REFUSED),
    (aiosmtplib.SMTPDataError(452, "full"), SendOutcome.RETRY),
    (aiosmtplib.SMTPConnectError("refused"), SendOutcome.RETRY),
    (ConnectionRefusedError(111, "refused"), SendOutcome.RETRY),
    (aiosmtplib.SMTPTimeoutError("slow"), SendOutcome.RETRY),
    (aiosmtplib.SMTPAuthenticationError(535, "bad login"), SendOutcome.RETRY),
    (aiosmtplib.SMTPSenderRefused(550, "no relay", "ne-pas-repondre@x.fr"), SendOutcome.RETRY),
    (aiosmtplib.SMTPServerDisconnected("gone"), SendOutcome.RETRY),
])
def test_outcomes_and_errors_without_the_address(exc, outcome):
    result = classify(exc)
    assert result.outcome is outcome
    assert ADDRESS not in result.error and "@" not in result.error
    assert result.error


def test_backoff_doubles_from_the_first_delay_up_to_the_cap():
    assert [backoff(n, 30, 900) for n in (1, 2, 3, 4, 5, 6, 7)] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 900, 900)]
    assert backoff(1000, 30, 900) == timedelta(seconds=900)
