"""The desk's transfer buttons: each sector's options now (acd.transfer.sector_options) from the cached rules, the
live queues and the recent waits, with the French sentence of the refusal a transfer would get. Labels without
their level (« Droit du travail »), as the escalation banner says them."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from acd.live.state import LiveState
from acd.transfer import SHORT_NUMBERS, SectorOption, SectorTarget, TransferRefusal, sector_options
from allo.knowledge.escalation import short_label
from allo.queues.figures import QueueFigures
from allo.transfers.sectors import RulesSource, SectorTransfers

FRENCH = MappingProxyType({
    TransferRefusal.UNKNOWN_SECTOR: "Ce pôle n'existe pas dans les règles en vigueur.",
    TransferRefusal.SECTOR_CLOSED: "Ce pôle est fermé à cette heure ; l'appelant reste avec vous.",
    TransferRefusal.NO_AGENT_LOGGED_IN: "Aucun conseiller n'est connecté à ce pôle ; l'appelant reste avec vous.",
    TransferRefusal.CALL_NOT_WITH_AN_AGENT: "Cet appel n'est pas en cours avec un conseiller.",
})


def french(refusal: TransferRefusal | None) -> str | None:
    return FRENCH[refusal] if refusal is not None else None


@dataclass(frozen=True)
class TransferOptions:
    transfers: SectorTransfers
    rules: RulesSource
    live: LiveState
    figures: QueueFigures

    def now(self) -> list[SectorOption]:
        """Raises TransferFailed while the rules are not loaded (nothing could be transferred either)."""
        snapshot = self.rules.snapshot
        targets: dict[str, SectorTarget] = {}
        for code in SHORT_NUMBERS:
            queue, is_open = self.transfers.sector_target(code)
            sector = snapshot.sectors.get(code) if snapshot is not None else None
            targets[code] = SectorTarget(short_label(sector.label) if sector is not None else code, queue, is_open)
        queues = {t.queue: self.live.queues[t.queue] for t in targets.values()
                  if t.queue is not None and t.queue in self.live.queues}
        recent = {t.queue: self.figures.waits(t.queue) for t in targets.values() if t.queue is not None}
        return sector_options(targets, queues, recent)
