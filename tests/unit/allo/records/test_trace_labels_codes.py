"""The call lookup's French words for the lines of the wrong-code limit and of relay calls."""

import pytest

from allo.records.trace_labels import trace_label


@pytest.mark.parametrize(("line", "french"), [
    ("code not asked, this caller: 12 wrong codes within 24 h (limit 10)",
     "Code d'accès non demandé : cet appelant, 12 codes faux en 24 h (limite 10)"),
    ("code asked, callers without a number and relay calls: 0 wrong codes within 10 min (limit 30)",
     "Code d'accès demandé : appelants sans numéro et relais, 0 codes faux en 10 min (limite 30)"),
    ("rules v3: level1 (access code not asked: caller_limit)",
     "Règles v3 : décision « niveau 1 » (code d'accès non demandé : limite de cet appelant)"),
    ("wrong-code count unknown (ledger away): code asked, limit 10",
     "Nombre de codes faux inconnu (base injoignable) : code demandé"),
    ("relay call (SIP source in 127.0.0.1/32)", "Appel par une plateforme de relais (source SIP dans 127.0.0.1/32)"),
    ("relay call (dedicated number 0800111222)", "Appel par une plateforme de relais (numéro dédié 0800111222)"),
    ("keys awaited at least 20000 ms at each input", "Touches attendues au moins 20000 ms à chaque saisie"),
    ("relay call: queue priority 5", "Appel relais : priorité 5 dans la file"),
])
def test_lines_of_the_code_limit_and_relay_calls_in_french(line, french):
    assert trace_label(line) == french


@pytest.mark.parametrize(("line", "french"), [
    ("survey announced", "Annonce de l'enquête de satisfaction (appel tiré au sort)"),
    ("key 1 during the survey announcement", "Touche 1 pendant l'annonce de l'enquête"),
])
def test_lines_of_the_survey_announcement_in_french(line, french):
    assert trace_label(line) == french
