"""The bound on access codes for one call (ivr.access_code.CodeGuard): the ledger read once, on first need."""

from __future__ import annotations

from collections.abc import Sequence

from allo.code_guard.ledger import CodeLedger
from ivr.code_limit import CodeGate, GateVerdict, code_gate


class CallCodeGuard:
    """`caller_hashes`: the caller's pseudonym under the current key first, then under previous keys (empty: no
    number). Relay calls and callers without a number are held by the pooled limit only."""

    def __init__(self, ledger: CodeLedger, caller_hashes: Sequence[str], *, relay: bool) -> None:
        self._ledger = ledger
        self._hashes = list(caller_hashes)
        self._relay = relay

    @property
    def pooled(self) -> bool:
        return self._relay or not self._hashes

    async def gate(self) -> GateVerdict:
        counts = await self._ledger.counts(self._hashes, pooled=self.pooled)
        verdict = code_gate(counts, self._ledger.limits, pooled=self.pooled)
        if verdict.gate is not CodeGate.ASK:
            self._ledger.refused(verdict.gate)
        return verdict

    def wrong_code(self) -> None:
        self._ledger.record(self._hashes[0] if self._hashes else None, relay=self._relay)
