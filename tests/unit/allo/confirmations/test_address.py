"""The address check (pure): email-validator's syntax rules, no DNS, a French reason that never repeats the address."""

from __future__ import annotations

import pytest

from allo.confirmations.address import GENERIC, AddressInvalid, check_address, french_reason


@pytest.mark.parametrize("typed", ["camille.martin@exemple.fr", "  Camille.Martin@Exemple.FR ",
                                   "jean-luc+3939@mairie-metz.fr", "élodie@exemple.fr"])
def test_good_addresses_pass_without_any_dns(typed):
    checked = check_address(typed)
    assert checked.normalized.lower() == typed.strip().lower()
    assert checked.normalized.split("@")[1] == typed.strip().split("@")[1].lower()


@pytest.mark.parametrize(("typed", "reason"), [
    ("camille.martin", "il manque le signe « @ »"),
    ("@exemple.fr", "il manque la partie avant le « @ »"),
    ("camille@", "il manque le domaine après le « @ »"),
    ("camille@exemple", "le domaine après le « @ » doit contenir un point"),
    ("camille..martin@exemple.fr", "deux points se suivent"),
    ("Camille <camille@exemple.fr>", "saisissez l'adresse seule"),
    ("camille@exemple.fr, dominique@exemple.fr", "saisissez une seule adresse"),
    ("camille@exemple.fr\r\nBcc: x@exemple.fr", "saisissez une seule adresse"),
    ("", "saisissez l'adresse de l'appelant"),
    ("a" * 250 + "@exemple.fr", "trop longue"),
])
def test_bad_addresses_are_refused_in_french_without_the_address(typed, reason):
    with pytest.raises(AddressInvalid) as refused:
        check_address(typed)
    assert reason in refused.value.reason
    assert refused.value.message.startswith("Adresse e-mail invalide : ")
    if typed:
        assert typed.strip() not in refused.value.message


def test_an_english_reason_not_translated_gets_the_generic_french_one():
    assert french_reason("Something nobody foresaw.") == GENERIC
