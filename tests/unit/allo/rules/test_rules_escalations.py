"""Escalation sheets in the rules document: their edits, their checks (French), the pivot warning, the diff."""

from __future__ import annotations

import pytest

from allo.rules.apply import apply_edit
from allo.rules.diff import diff
from allo.rules.document import EscalationDoc, RulesDocument
from allo.rules.edits import RulesEditError, parse_edit
from allo.rules.escalations import escalation_problems, escalation_warnings
from allo.rules.validate import validate

INSTRUCTION = "Orienter vers la Caf pour le calcul de l'aide"


def edit(doc: RulesDocument, **fields: object) -> RulesDocument:
    new, _ = apply_edit(doc, parse_edit({"op": "set_escalation", "instruction": INSTRUCTION, **fields}))
    return new


def refused(doc: RulesDocument, **fields: object) -> list[str]:
    with pytest.raises(RulesEditError) as caught:
        edit(doc, **fields)
    return [p.message for p in caught.value.problems]


def test_the_seeded_document_is_valid_with_its_escalations(doc: RulesDocument) -> None:
    assert doc.escalations["N90200"].sector == "travail" and doc.escalations["F90631"].pivot == "adil"
    assert validate(doc) == [] and escalation_warnings(doc) == []


def test_set_then_replace_then_remove(doc: RulesDocument) -> None:
    new = edit(doc, target_id="F90111", pivot="mairie", instruction="  Orienter vers la mairie\n du domicile ")
    assert new.escalations["F90111"] == EscalationDoc(pivot="mairie", instruction="Orienter vers la mairie du domicile")
    assert "F90111" not in doc.escalations  # the edit works on a copy
    replaced = edit(new, target_id="F90111", sector="interieur")
    assert replaced.escalations["F90111"] == EscalationDoc(sector="interieur", instruction=INSTRUCTION)
    removed, _ = apply_edit(replaced, parse_edit({"op": "remove_escalation", "target_id": "F90111"}))
    assert "F90111" not in removed.escalations
    with pytest.raises(RulesEditError, match="Il n'y a pas de fiche de remontée pour F90111"):
        apply_edit(removed, parse_edit({"op": "remove_escalation", "target_id": "F90111"}))


def test_exactly_one_of_sector_and_pivot(doc: RulesDocument) -> None:
    message = ("Fiche de remontée F90111 : indiquez soit un secteur du niveau 2, soit un organisme extérieur "
               "(code pivot), et un seul")
    assert refused(doc, target_id="F90111") == [message]
    assert refused(doc, target_id="F90111", sector="travail", pivot="caf") == [message]


def test_the_sector_must_exist_in_the_document(doc: RulesDocument) -> None:
    assert refused(doc, target_id="N90200", sector="sante") == [
        "Fiche de remontée N90200 : le secteur sante n'existe pas (secteurs existants : consommation, fiscalite, "
        "interieur, justice, logement, travail)"]


def test_removing_a_sector_an_escalation_names_is_a_problem(doc: RulesDocument) -> None:
    del doc.sectors["travail"]
    assert ("escalations.N90200", "Fiche de remontée N90200 : le secteur travail n'existe pas (secteurs existants : "
            "consommation, fiscalite, interieur, justice, logement)") in escalation_problems(doc)


@pytest.mark.parametrize("pivot", ["Caf", "caf-01", "mairie 57", "préfecture"])
def test_a_pivot_code_is_lowercase_letters_and_underscores(doc: RulesDocument, pivot: str) -> None:
    assert refused(doc, target_id="F90111", pivot=pivot) == [
        f"Fiche de remontée F90111 : le code pivot « {pivot} » ne peut contenir que des lettres minuscules sans "
        "accent et _"]


def test_an_unknown_pivot_is_a_warning_not_an_error(doc: RulesDocument) -> None:
    new = edit(doc, target_id="F90111", pivot="bureau_des_legendes")
    assert validate(new) == []
    assert escalation_warnings(new) == [("escalations.F90111", (
        "Fiche de remontée F90111 : le code pivot « bureau_des_legendes » n'est pas dans la liste connue "
        "(allo/directory/pivots.py) ; vérifiez qu'il existe dans l'annuaire"))]


@pytest.mark.parametrize("target", ["F90111", "N19806", "R12345", "F1234-2"])
def test_target_ids_of_themes_dossiers_and_sheets(doc: RulesDocument, target: str) -> None:
    assert target in edit(doc, target_id=target, pivot="caf").escalations


@pytest.mark.parametrize("target", ["f90111", "X123", "F", "N90100-", "F12 34"])
def test_a_target_id_that_is_not_a_sheet_id_is_refused(doc: RulesDocument, target: str) -> None:
    assert refused(doc, target_id=target, pivot="caf") == [
        f"Fiche de remontée « {target} » : l'identifiant doit être celui d'un thème, d'un dossier ou d'une fiche "
        "(par exemple N19806 ou F1234)"]


def test_the_instruction_is_one_line_of_5_to_160_characters(doc: RulesDocument) -> None:
    assert refused(doc, target_id="F90111", pivot="caf", instruction="Caf") == [
        "Fiche de remontée F90111 : la consigne est trop courte (5 caractères au moins)"]
    assert refused(doc, target_id="F90111", pivot="caf", instruction="x" * 161) == [
        "Fiche de remontée F90111 : la consigne fait 161 caractères : 160 au plus (une ligne du bandeau du "
        "conseiller)"]
    assert edit(doc, target_id="F90111", pivot="caf", instruction="x" * 160).escalations["F90111"].instruction
    doc.escalations["F90111"] = EscalationDoc(pivot="caf", instruction="Ligne un\nligne deux")
    assert escalation_problems(doc) == [("escalations.F90111",
                                         "Fiche de remontée F90111 : la consigne tient sur une seule ligne")]


def test_older_documents_have_no_escalations_and_the_diff_shows_them(doc: RulesDocument) -> None:
    old = RulesDocument.model_validate({key: value for key, value in doc.to_json().items() if key != "escalations"})
    assert old.escalations == {}
    changes = {c.path: (c.before, c.after) for c in diff(old, doc)}
    assert changes["escalations.F90631"] == (None, {"pivot": "adil", "instruction": doc.escalations["F90631"]
                                                    .instruction})
    changed = edit(doc, target_id="F90631", pivot="commission_conciliation")
    assert [c.path for c in diff(doc, changed)] == ["escalations.F90631"]
