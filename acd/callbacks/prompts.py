"""What the callback dialplan says (sound name relative to sounds/fr -> French text, espeak-ng at set-up)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CALLBACK_PROMPTS: Mapping[str, str] = MappingProxyType({
    # To the citizen, as soon as they pick up.
    "allo/rappel-bonjour": "Bonjour, ici Allô Service Public, suite à votre demande de rappel. "
                           "Un conseiller va vous répondre.",
    # To the agent reserved for the callback, before the citizen's phone rings.
    "allo/rappel-conseiller": "Rappel d'un usager. Numérotation en cours.",
    # To the agent when the citizen did not pick up.
    "allo/rappel-sans-reponse": "L'usager n'a pas répondu.",
})
