"""A procedure flag checked before it is stored (pure): a subject, a text of 3 to 1000 characters, French refusals;
and the CSV of the ops page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from allo.db.desk_models import FlagStatus
from allo.knowledge.flags import CSV_HEADER, Flag, FlagGroup, FlagIn, FlagRefused, checked, flags_csv


def test_texts_are_trimmed_and_an_empty_subject_is_none():
    flag = checked(FlagIn("  Le lien est mort  ", sheet_id=" F1234 ", procedure="  ", call_id=""))
    assert flag == FlagIn("Le lien est mort", "F1234", None, None)
    assert checked(FlagIn("abc", procedure="  Carte   grise ")).procedure == "Carte grise"


@pytest.mark.parametrize(("flag", "message"), [
    (FlagIn("Rien ne va"), "Indiquez la fiche ou la démarche concernée."),
    (FlagIn("Rien ne va", sheet_id=" ", procedure=""), "Indiquez la fiche ou la démarche concernée."),
    (FlagIn(" ab ", sheet_id="F1"), "Décrivez la difficulté en 3 à 1000 caractères."),
    (FlagIn("x" * 1001, sheet_id="F1"), "Décrivez la difficulté en 3 à 1000 caractères."),
    (FlagIn("Rien ne va", procedure="p" * 201), "Le nom de la démarche ne doit pas dépasser 200 caractères."),
    (FlagIn("Rien ne va", sheet_id="F" * 33), f"La fiche {'F' * 32}… n'existe pas dans la base de connaissances."),
    (FlagIn("Rien ne va", sheet_id="F1", call_id="1" * 65), "Cet identifiant d'appel est trop long."),
])
def test_refusals_are_french_sentences(flag, message):
    with pytest.raises(FlagRefused) as refused:
        checked(flag)
    assert str(refused.value) == message


def test_the_limits_themselves_are_accepted():
    assert checked(FlagIn("abc", sheet_id="F1")).text == "abc"
    assert len(checked(FlagIn("x" * 1000, procedure="p" * 200)).text) == 1000


def test_csv_one_row_per_flag_with_the_sheet_title_and_paris_times():
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    sheet = FlagGroup("F1", None, "Passeport", [Flag(1, "F1", None, "Délai faux, « 3 semaines »", "conseiller", None,
                                                     FlagStatus.SEEN, at, at, "ops")])
    procedure = FlagGroup(None, "Carte grise", "Carte grise", [Flag(2, None, "Carte grise", "En panne", "sup", "1.2",
                                                                    FlagStatus.NEW, at, at, None)])
    rows = list(csv.reader(io.StringIO(flags_csv([sheet, procedure]))))
    assert rows[0] == list(CSV_HEADER)
    assert rows[1] == ["1", "F1", "Passeport", "", "seen", "conseiller", "", "2026-11-23T10:00:00+01:00",
                       "2026-11-23T10:00:00+01:00", "ops", "Délai faux, « 3 semaines »"]
    assert rows[2][:7] == ["2", "", "", "Carte grise", "new", "sup", "1.2"]
