"""The satisfaction survey's prompts (docs/after-call.md): their default French texts, seeded at set-up.

Ops edit the texts in the rules editor like every prompt; the names are routing/survey.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from routing.survey import (
    SURVEY_PROMPT_ANNOUNCE,
    SURVEY_PROMPT_ANSWERED,
    SURVEY_PROMPT_INVALID,
    SURVEY_PROMPT_SATISFACTION,
    SURVEY_PROMPT_THANKS,
)

SURVEY_PROMPTS: Mapping[str, str] = MappingProxyType({
    SURVEY_PROMPT_ANNOUNCE: (
        "À la fin de votre échange avec un conseiller, restez en ligne : deux questions rapides vous seront posées "
        "sur votre satisfaction."
    ),
    SURVEY_PROMPT_SATISFACTION: (
        "Sur une échelle de 1 à 5, 5 étant la meilleure note, quelle est votre satisfaction ? Tapez un chiffre de 1 "
        "à 5."
    ),
    SURVEY_PROMPT_ANSWERED: "Votre question a-t-elle trouvé une réponse ? Tapez 1 pour oui, 2 pour non.",
    SURVEY_PROMPT_THANKS: "Merci pour vos réponses. Au revoir.",
    SURVEY_PROMPT_INVALID: "Ce choix n'est pas valide.",
})
