"""Each edit of a draft; a refused edit raises readable problems and leaves the document as it was."""

from __future__ import annotations

from datetime import date, time

import pytest

from allo.rules.apply import apply_edit
from allo.rules.document import RulesDocument, to_snapshot
from allo.rules.edits import RulesEditError, parse_edit
from routing.rules import MenuAction
from tests.unit.allo.rules.rules_sample import ACCESS_CODE


def edit(doc: RulesDocument, **data: object) -> RulesDocument:
    new, plain = apply_edit(doc, parse_edit(data))
    assert plain is None
    return new


def refused(doc: RulesDocument, **data: object) -> list[str]:
    before = doc.model_copy(deep=True)
    with pytest.raises(RulesEditError) as caught:
        apply_edit(doc, parse_edit(data))
    assert doc == before
    return [p.message for p in caught.value.problems]


def test_set_weekly(doc):
    new = edit(doc, op="set_weekly", calendar="general", weekday=6,
               periods=[{"opens": "14:00", "closes": "18:00"}, {"opens": "09:00", "closes": "12:00"}])
    assert [(p.opens, p.closes) for p in new.calendars["general"].weekly[6]] == [(time(9), time(12)),
                                                                                 (time(14), time(18))]
    assert 6 not in doc.calendars["general"].weekly  # the original is untouched
    closed = edit(new, op="set_weekly", calendar="general", weekday=6, periods=[])
    assert 6 not in closed.calendars["general"].weekly


def test_set_weekly_refused(doc):
    assert refused(doc, op="set_weekly", calendar="general", weekday=0,
                   periods=[{"opens": "09:00", "closes": "12:00"}, {"opens": "11:00", "closes": "13:00"}]) == [
        "Calendrier general, lundi : les plages 09:00-12:00 et 11:00-13:00 se chevauchent"]
    assert refused(doc, op="set_weekly", calendar="nuit", weekday=0, periods=[]) == [
        "Calendrier inconnu : nuit (calendriers existants : general, specialist)"]
    assert refused(doc, op="set_weekly", calendar="general", weekday=7, periods=[]) == [
        "Le jour 7 n'existe pas (0 = lundi … 6 = dimanche)"]


def test_add_and_remove_exceptions(doc):
    new = edit(doc, op="add_exception", calendar="general", kind="closure", starts_on="2026-12-24",
               ends_on="2026-12-24", opens="14:00", closes="00:00", message_text="Fermé l'après-midi",
               say_text=True)
    exc = new.calendars["general"].exceptions[0]
    assert (exc.starts_on, exc.opens, exc.closes, exc.message_text) == (date(2026, 12, 24), time(14), time(0),
                                                                        "Fermé l'après-midi")
    # Callers hear prompts: the message becomes one (synthesised once published).
    assert exc.message_prompt == "allo/exception-general-2026-12-24"
    assert new.prompts[exc.message_prompt] == "Fermé l'après-midi"
    other = edit(new, op="add_exception", calendar="general", kind="closure", starts_on="2026-12-24",
                 ends_on="2026-12-24", message_text="Fermé toute la journée", say_text=True)
    assert other.calendars["general"].exceptions[1].message_prompt == "allo/exception-general-2026-12-24-2"
    note = edit(doc, op="add_exception", calendar="general", kind="closure", starts_on="2026-12-24",
                ends_on="2026-12-24", message_text="inventaire annuel")  # a note for the history only
    assert note.calendars["general"].exceptions[0].message_prompt is None and note.prompts == doc.prompts
    assert edit(new, op="remove_exception", calendar="general", index=0).calendars["general"].exceptions == []
    assert refused(new, op="remove_exception", calendar="general", index=3) == [
        "Le calendrier general n'a pas d'exception numéro 3"]
    assert refused(doc, op="add_exception", calendar="general", kind="closure", starts_on="2026-12-24",
                   ends_on="2026-12-20") == [
        "Calendrier general, fermeture exceptionnelle du 24/12/2026 : la fin (20/12/2026) est avant le début"]


def test_set_holidays(doc):
    new = edit(doc, op="set_holidays", calendar="specialist", public_holidays=True, subdivision="57")
    assert new.calendars["specialist"].holiday_subdivision == "57"
    assert refused(doc, op="set_holidays", calendar="specialist", public_holidays=True, subdivision="XX") == [
        "Calendrier specialist : subdivision « XX » inconnue pour les jours fériés"]


def test_menu_options(doc):
    new = edit(doc, op="set_menu_option", menu="main", digit="6", action="queue", label="Logement", sector="logement")
    assert new.menus["main"].options["6"].sector == "logement"
    new = edit(new, op="remove_menu_option", menu="main", digit="6")
    assert "6" not in new.menus["main"].options
    assert refused(doc, op="set_menu_option", menu="main", digit="1", action="queue", queue="l2-foo") == [
        "L'option 1 du menu main envoie vers la file inconnue l2-foo"]
    assert refused(doc, op="remove_menu_option", menu="secteurs", digit="4") == [
        "Le secteur justice n'est joignable depuis aucun menu"]
    assert refused(doc, op="remove_menu_option", menu="main", digit="8") == ["Le menu main n'a pas d'option 8"]
    assert refused(doc, op="set_menu_option", menu="nulle", digit="1", action="callback") == [
        "Menu inconnu : nulle (menus existants : main, secteurs)"]


def test_emptying_a_menu_is_refused(doc):
    for digit in ("1", "3", "4", "5"):
        doc = edit(doc, op="remove_menu_option", menu="main", digit=digit)
    assert refused(doc, op="remove_menu_option", menu="main", digit="2") == [
        "Le menu main n'a aucune option", *[f"Le secteur {s} n'est joignable depuis aucun menu" for s in doc.sectors]]


def test_set_menu(doc):
    new = edit(doc, op="set_menu", menu="main", timeout_ms=8000)
    assert (new.menus["main"].timeout_ms, new.menus["main"].prompt) == (8000, "allo/menu-principal")
    assert refused(doc, op="set_menu", menu="main", prompt="allo/nope") == [
        "Le menu main dit le message inconnu allo/nope"]


def test_prompt_text_and_recording(doc):
    new = edit(doc, op="set_prompt_text", name="allo/bienvenue", text="Bonjour et bienvenue")
    assert new.prompts["allo/bienvenue"] == "Bonjour et bienvenue"
    new = edit(new, op="set_recording", name="allo/bienvenue", recording_id=7)
    assert new.recordings == {"allo/bienvenue": 7}
    assert edit(new, op="set_recording", name="allo/bienvenue", recording_id=None).recordings == {}
    assert refused(doc, op="set_prompt_text", name="allo/bienvenue", text=" ") == [
        "Le message allo/bienvenue n'a pas de texte"]
    assert refused(doc, op="set_recording", name="allo/rien", recording_id=1) == ["Message inconnu : allo/rien"]


def test_set_sector_moves_its_label_to_its_queue(doc):
    new = edit(doc, op="set_sector", code="travail", label="Travail et emploi")
    assert new.sectors["travail"].label == new.queues["l2-travail"].label == "Travail et emploi"
    assert refused(doc, op="set_sector", code="travail", queue="l2-logement") == [
        "Les secteurs travail et logement utilisent tous deux la file l2-logement"]
    assert refused(doc, op="set_sector", code="sante") == [
        "Secteur inconnu : sante (secteurs existants : consommation, fiscalite, interieur, justice, logement, "
        "travail)"]


def test_set_queue_changes_only_what_is_sent(doc):
    new = edit(doc, op="set_queue", name="l2-consommation", max_wait=300, sl_target_pct=90)
    queue = new.queues["l2-consommation"]
    assert (queue.max_wait, queue.sl_target_pct, queue.overflow_queue, queue.on_max_wait) == (300, 90, "l1",
                                                                                                 "overflow")
    assert refused(doc, op="set_queue", name="l2-consommation", overflow_queue=None) == [
        "La file l2-consommation déborde après l'attente maximale mais n'a pas de file de débordement"]
    assert refused(doc, op="set_queue", name="l1", overflow_queue="l1") == [
        "La file l1 ne peut pas déborder vers elle-même"]
    assert refused(doc, op="set_queue", name="l1", abandon_target_pct=-1) == [
        "File l1 : l'objectif de taux d'abandon (en %) doit être entre 0 et 100, pas -1"]
    assert refused(doc, op="set_queue", name="l7") == [
        "File inconnue : l7 (files existantes : l1, l2-consommation, l2-fiscalite, l2-interieur, l2-justice, "
        "l2-logement, l2-travail)"]


def test_rotate_code_gives_the_code_once_and_replaces_the_old_one(doc):
    new, plain = apply_edit(doc, parse_edit({"op": "rotate_code", "service": "specialist"}))
    assert plain is not None and len(plain) == 6 and plain.isdigit()
    assert [c.id for c in new.access_codes] == [-1]
    assert plain not in new.model_dump_json()
    rules = to_snapshot(new, 0)
    assert rules.check_code(plain, "specialist") is not None
    assert rules.check_code(ACCESS_CODE, "specialist") is None
    chosen, code = apply_edit(new, parse_edit({"op": "rotate_code", "service": "specialist", "sector": "justice",
                                               "code": "4321"}))
    assert code == "4321" and [c.id for c in chosen.access_codes] == [-1, -2]
    with pytest.raises(RulesEditError, match="de 4 à 12 chiffres"):
        apply_edit(doc, parse_edit({"op": "rotate_code", "service": "specialist", "code": "12a"}))


def test_retire_code(doc):
    assert edit(doc, op="retire_code", id=1).access_codes == []
    assert refused(doc, op="retire_code", id=9) == ["Aucun code d'accès actif numéro 9"]


def test_a_malformed_edit_is_explained(doc):
    with pytest.raises(RulesEditError) as caught:
        parse_edit({"op": "set_weekly", "calendar": "general", "weekday": 1, "periods": [{"opens": "9h"}]})
    assert {p.path: p.message for p in caught.value.problems} == {
        "set_weekly.periods.0.opens": "« periods.0.opens » : doit être une heure (HH:MM)",
        "set_weekly.periods.0.closes": "« periods.0.closes » : champ obligatoire"}
    with pytest.raises(RulesEditError, match="Modification refusée : modification « explode » inconnue"):
        parse_edit({"op": "explode"})
    with pytest.raises(RulesEditError, match=r"« kind » : valeur « bof » non prévue \(possibles : 'closure' ou"):
        parse_edit({"op": "add_exception", "calendar": "general", "kind": "bof", "starts_on": "2026-12-24",
                    "ends_on": "2026-12-24"})


def test_option_action_values(doc):
    new = edit(doc, op="set_menu_option", menu="main", digit="5", action="external_number", label="Impôts bis",
               prompt="allo/info-impots", external_number="0809401401")
    assert new.menus["main"].options["5"].action is MenuAction.EXTERNAL_NUMBER
    assert refused(doc, op="set_menu_option", menu="main", digit="5", action="external_number",
                   prompt="allo/info-impots", external_number="08 09") == [
        "L'option 5 du menu main donne le numéro « 08 09 », qui ne contient pas que des chiffres"]
