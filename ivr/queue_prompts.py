"""Prompts of the queue: position and estimated wait, the exit key, the callback offer (names and French texts)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class QueuePrompt(enum.StrEnum):
    POSITION = "allo/file/position"
    NEXT = "allo/file/prochain"
    ESTIMATE = "allo/file/attente-environ"
    MINUTES = "allo/file/minutes"
    ONE_MINUTE = "allo/file/attente-une-minute"
    OVER_AN_HOUR = "allo/file/attente-plus-une-heure"
    EXIT_KEY = "allo/file/touche-rappel"  # also the queues' periodic announcement
    LONG_OVER = "allo/file/attente-plus-de"
    LONG_OVER_ONE = "allo/file/attente-plus-une-minute"
    LONG = "allo/file/attente-importante"
    ENTRY_OFFER = "allo/file/offre-rappel"
    OFFER_OWN = "allo/rappel/votre-numero"
    OFFER_OWN_KEY = "allo/rappel/tapez-1"
    OFFER_OTHER = "allo/rappel/autre-numero"
    OFFER_WAIT = "allo/rappel/continuer"
    OFFER_WAIT_MENU = "allo/rappel/attendre-conseiller"
    TYPE_NUMBER = "allo/rappel/saisir-numero"
    YOU_TYPED = "allo/rappel/vous-avez-saisi"
    CONFIRM = "allo/rappel/confirmer"
    NUMBER_INVALID = "allo/rappel/numero-invalide"
    BOOKED = "allo/rappel/enregistre"
    ALREADY_PENDING = "allo/rappel/deja-demande"
    NOT_POSSIBLE = "allo/rappel/impossible"
    UNAVAILABLE = "allo/rappel/indisponible-file"


QUEUE_PROMPTS: Mapping[str, str] = MappingProxyType({
    QueuePrompt.POSITION: "Votre appel est en position",
    QueuePrompt.NEXT: "Votre appel est le prochain.",
    QueuePrompt.ESTIMATE: "Temps d'attente estimé : environ",
    QueuePrompt.MINUTES: "minutes.",
    QueuePrompt.ONE_MINUTE: "Temps d'attente estimé : environ une minute.",
    QueuePrompt.OVER_AN_HOUR: "Temps d'attente estimé : plus d'une heure.",
    QueuePrompt.EXIT_KEY: "Pour être rappelé sans perdre votre place, tapez 9.",
    QueuePrompt.LONG_OVER: "L'attente est estimée à plus de",
    QueuePrompt.LONG_OVER_ONE: "L'attente est estimée à plus d'une minute.",
    QueuePrompt.LONG: "L'attente est importante.",
    QueuePrompt.ENTRY_OFFER: "Pour être rappelé, tapez 9 ; pour patienter, tapez 1.",
    QueuePrompt.OFFER_OWN: "Nous pouvons vous rappeler au numéro se terminant par",
    QueuePrompt.OFFER_OWN_KEY: ": tapez 1.",
    QueuePrompt.OFFER_OTHER: "Pour être rappelé à un autre numéro, tapez 2.",
    QueuePrompt.OFFER_WAIT: "Pour continuer d'attendre, tapez 3.",
    QueuePrompt.OFFER_WAIT_MENU: "Pour attendre un conseiller, tapez 3.",
    QueuePrompt.TYPE_NUMBER: "Tapez le numéro auquel vous rappeler, suivi de la touche dièse.",
    QueuePrompt.YOU_TYPED: "Vous avez saisi le",
    QueuePrompt.CONFIRM: "Pour confirmer, tapez 1. Pour corriger, tapez 2.",
    QueuePrompt.NUMBER_INVALID: "Ce numéro n'est pas valide.",
    QueuePrompt.BOOKED: "Votre demande est enregistrée, un conseiller vous rappellera.",
    QueuePrompt.ALREADY_PENDING: "Une demande de rappel est déjà enregistrée pour ce numéro.",
    QueuePrompt.NOT_POSSIBLE: "Le rappel n'est pas possible pour le moment.",
    QueuePrompt.UNAVAILABLE: "Le rappel n'est pas disponible pour le moment. Merci de patienter.",
})
