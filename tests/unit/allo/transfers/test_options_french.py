"""Every refusal a transfer button can show has its French sentence (allo/transfers/options.py)."""

from acd.transfer import TransferRefusal
from allo.transfers.options import FRENCH, french


def test_every_refusal_has_a_french_sentence_and_none_has_none():
    assert set(FRENCH) == set(TransferRefusal)
    assert all(sentence.endswith(".") and sentence[0].isupper() for sentence in FRENCH.values())
    assert french(None) is None
    assert french(TransferRefusal.SECTOR_CLOSED) == "Ce pôle est fermé à cette heure ; l'appelant reste avec vous."
