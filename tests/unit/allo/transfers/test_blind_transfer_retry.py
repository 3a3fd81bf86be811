"""SectorTransfers asks BlindTransfer again while Asterisk answers "Transfer invalid" (the adviser's channel not yet
bridged), for a bounded time; any other refusal fails at once. The AMI client is scripted: the decision is ours,
Asterisk's answers are the ones its manager sends (tests/e2e/test_transfer.py covers the real path)."""

from __future__ import annotations

import asyncio
import time

import pytest

from acd.ami.errors import AmiActionFailed, AmiNotConnected
from acd.ami.event_types import AmiResponse
from acd.transfer import BRIDGE_WAIT_S, TransferPlan
from allo.transfers.sectors import SectorTransfers, TransferFailed

PLAN = TransferPlan("PJSIP/agent1001-00000002", "allo-transfer", "82", "l2-travail")


class ScriptedAmi:
    def __init__(self, *replies: str | Exception | None) -> None:
        self.replies = list(replies)
        self.sent: list[tuple[str, str, str]] = []

    async def blind_transfer(self, channel: str, context: str, exten: str) -> AmiResponse:
        self.sent.append((channel, context, exten))
        reply = self.replies.pop(0) if self.replies else "Transfer invalid"
        if isinstance(reply, Exception):
            raise reply
        if reply is not None:
            raise AmiActionFailed("BlindTransfer", AmiResponse(False, reply))
        return AmiResponse(True, "Transfer succeeded")


def transfers(ami: ScriptedAmi) -> SectorTransfers:
    return SectorTransfers(rules=None, clock=None, live=None, active_calls=None, ami=ami,  # type: ignore[arg-type]
                           recorder=None)  # type: ignore[arg-type]


def test_not_yet_bridged_then_carried_out():
    ami = ScriptedAmi("Transfer invalid", "Transfer invalid", None)
    asyncio.run(transfers(ami)._blind_transfer(PLAN))
    assert ami.sent == [("PJSIP/agent1001-00000002", "allo-transfer", "82")] * 3


def test_never_bridged_fails_after_the_bounded_wait():
    ami = ScriptedAmi()
    started = time.monotonic()
    with pytest.raises(TransferFailed, match="Transfer invalid"):
        asyncio.run(transfers(ami)._blind_transfer(PLAN))
    assert BRIDGE_WAIT_S - 0.3 <= time.monotonic() - started <= BRIDGE_WAIT_S + 1.0
    assert 10 <= len(ami.sent) <= 25


@pytest.mark.parametrize("reply", ["Transfer not permitted", "Channel specified does not exist",
                                   AmiNotConnected("AMI down")])
def test_any_other_refusal_fails_at_once(reply):
    ami = ScriptedAmi(reply, None)
    with pytest.raises(TransferFailed, match="Asterisk refused the transfer"):
        asyncio.run(transfers(ami)._blind_transfer(PLAN))
    assert len(ami.sent) == 1
