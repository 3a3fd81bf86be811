"""What a transferred caller hears on arrival: where they are going, one sentence per level-2 sector."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# The six sectors of the dialplan's short numbers 81-86 (asterisk-conf/extensions.conf [allo-transfer]).
SECTOR_NAMES: Mapping[str, str] = MappingProxyType({
    "interieur": "Intérieur",
    "travail": "Droit du travail",
    "consommation": "Droit de la consommation",
    "justice": "Justice",
    "fiscalite": "Fiscalité",
    "logement": "Logement et urbanisme",
})


def transfer_prompt(sector: str) -> str | None:
    """« Vous êtes transféré vers le service Droit du travail. »; None for a sector without a prompt."""
    return f"allo/transfert/{sector}" if sector in SECTOR_NAMES else None


TRANSFER_PROMPTS: Mapping[str, str] = MappingProxyType({
    f"allo/transfert/{code}": f"Vous êtes transféré vers le service {name}." for code, name in SECTOR_NAMES.items()
})
