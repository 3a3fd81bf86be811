"""The prompt catalogue: sound name (relative to sounds/fr) and the French text it says."""

from __future__ import annotations

from types import MappingProxyType

PROMPTS = MappingProxyType({
    "allo/bienvenue": (
        "Bienvenue sur Allô Service Public, le 39 39, le service de renseignement administratif par téléphone."
    ),
    "allo/mise-en-relation": "Nous vous mettons en relation avec un conseiller. Merci de patienter.",
})
