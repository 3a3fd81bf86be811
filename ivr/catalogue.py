"""The prompt catalogue: sound name (relative to sounds/fr) and the French text it says.

Texts are short on purpose: without a recording, each one is synthesised with espeak-ng, and a caller
waits through every word. Web addresses are written as they must be said ("point fr").
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from ivr.queue_prompts import QUEUE_PROMPTS
from ivr.survey_prompts import SURVEY_PROMPTS
from ivr.transfer_prompts import TRANSFER_PROMPTS
from routing.speech import WORD_PROMPTS


class PromptName(enum.StrEnum):
    """The prompts the menu engine plays on its own (menus and options name theirs in the rules)."""

    WELCOME = "allo/bienvenue"
    NO_CHOICE = "allo/pas-de-choix"
    INVALID_CHOICE = "allo/choix-invalide"
    ACCESS_CODE = "allo/code-acces"
    CODE_INVALID = "allo/code-invalide"
    CODE_RETRY = "allo/code-reessayez"
    CODE_FAILED = "allo/code-echec"
    SERVICE_CLOSED = "allo/service-ferme"
    SPECIALIST_CLOSED = "allo/service-specialise-ferme"
    WEBSITE = "allo/site-internet"
    GOODBYE = "allo/au-revoir"
    CONNECTING = "allo/mise-en-relation"
    CALLBACK_UNAVAILABLE = "allo/rappel-indisponible"
    TRANSFER_UNAVAILABLE = "allo/transfert-indisponible"
    # Said by the dialplan alone (asterisk-conf/extensions.conf [allo-fallback]) when our service is unreachable.
    ADVISERS_UNAVAILABLE = "allo/conseillers-indisponibles"


ENGINE_PROMPTS: Mapping[str, str] = MappingProxyType(
    {
        PromptName.WELCOME: "Bienvenue sur Allô Service Public, le 39 39.",
        PromptName.NO_CHOICE: "Nous n'avons pas reçu votre choix.",
        PromptName.INVALID_CHOICE: "Ce choix n'est pas valide.",
        PromptName.ACCESS_CODE: "Veuillez saisir votre code d'accès, suivi de la touche dièse.",
        PromptName.CODE_INVALID: "Ce code d'accès n'est pas valide.",
        PromptName.CODE_RETRY: "Veuillez réessayer.",
        PromptName.CODE_FAILED: "Votre code d'accès n'a pas pu être vérifié.",
        PromptName.SERVICE_CLOSED: "Allô Service Public est actuellement fermé.",
        PromptName.SPECIALIST_CLOSED: "Le service spécialisé est actuellement fermé.",
        PromptName.WEBSITE: "Vous trouverez de nombreuses réponses sur le site service-public point fr.",
        PromptName.GOODBYE: "Merci de votre appel. Au revoir.",
        PromptName.CONNECTING: "Nous vous mettons en relation avec un conseiller.",
        PromptName.CALLBACK_UNAVAILABLE: "Le rappel n'est pas encore disponible.",
        PromptName.TRANSFER_UNAVAILABLE: (
            "Le service spécialisé n'est pas disponible pour le moment. Nous vous remettons en relation avec un "
            "conseiller."
        ),
        PromptName.ADVISERS_UNAVAILABLE: (
            "Nos conseillers ne sont pas disponibles pour le moment. Merci de nous rappeler plus tard, ou de "
            "consulter le site service-public point fr."
        ),
    }
)

# The menus and options seeded by allo.db.rules_seed.
RULES_PROMPTS: Mapping[str, str] = MappingProxyType(
    {
        "allo/menu-principal": (
            "Question générale, tapez 1. Code d'accès, 2. Réponses en ligne, 3. Impôts, 4. Être rappelé, 5. "
            "Un conseiller, 0."
        ),
        "allo/menu-secteurs": (
            "Intérieur, 1. Droit du travail, 2. Consommation, 3. Justice, 4. Fiscalité, 5. "
            "Logement et urbanisme, 6. Un conseiller, tapez 0."
        ),
        "allo/info-service-public": (
            "Les réponses à la plupart des questions administratives, et les démarches en ligne, "
            "sont sur le site service-public point fr."
        ),
        "allo/info-impots": "Pour une question sur vos impôts, appelez les Finances publiques au",
    }
)

# Said to advisers on their phones after a feature code (*11 log in, *12 log out, *13 pause, *14 resume).
AGENT_PROMPTS: Mapping[str, str] = MappingProxyType({
    "allo/agent-connecte": "Vous êtes connecté à vos files d'attente.",
    "allo/agent-deconnecte": "Vous êtes déconnecté.",
    "allo/agent-pause": "Vous êtes en pause.",
    "allo/agent-reprise": "Vous êtes de nouveau disponible.",
    "allo/agent-echec": "L'opération n'a pas pu être effectuée.",
})

PROMPTS: Mapping[str, str] = MappingProxyType(
    {str(name): text for name, text in (*ENGINE_PROMPTS.items(), *RULES_PROMPTS.items(), *AGENT_PROMPTS.items(),
                                        *QUEUE_PROMPTS.items(), *TRANSFER_PROMPTS.items(), *WORD_PROMPTS.items(),
                                        *SURVEY_PROMPTS.items())}
)
