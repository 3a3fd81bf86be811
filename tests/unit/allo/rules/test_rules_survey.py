"""The survey's section of the rules: its edit, its checks (French), its words in the diff, its snapshot, and the
rollback of a version older than its prompts."""

from __future__ import annotations

import pytest

from allo.rules.apply import apply_edit
from allo.rules.diff import Change, diff
from allo.rules.document import RulesDocument, SurveyDoc, to_snapshot
from allo.rules.editor import with_code_prompts
from allo.rules.edits import RulesEditError, SetSurvey, parse_edit
from allo.rules.survey import SURVEY_PROMPT_NAMES, summary
from allo.rules.validate import validate
from routing.survey import SURVEY_PROMPT_ANNOUNCE, SURVEY_PROMPT_THANKS, Survey


def survey(doc: RulesDocument, enabled: bool = True, one_in: int = 5) -> RulesDocument:
    new, plain = apply_edit(doc, parse_edit({"op": "set_survey", "enabled": enabled, "one_in": one_in}))
    assert plain is None
    return new


def test_the_seeded_rules_survey_one_call_in_five_with_their_five_prompts(doc: RulesDocument) -> None:
    assert doc.survey == SurveyDoc(enabled=True, one_in=5)
    assert all(doc.prompts[name].strip() for name in SURVEY_PROMPT_NAMES)
    assert validate(doc) == []
    assert to_snapshot(doc, 3).survey == Survey(True, 5)


def test_set_survey_changes_the_share_and_the_snapshot(doc: RulesDocument) -> None:
    new = survey(doc, one_in=1)
    assert new.survey == SurveyDoc(enabled=True, one_in=1) and doc.survey.one_in == 5  # the old one is untouched
    assert to_snapshot(new, 4).survey == Survey(True, 1)
    off = survey(new, enabled=False, one_in=1)
    assert to_snapshot(off, 5).survey == Survey(False, 1) and not Survey(False, 1).surveys("any call")
    assert RulesDocument.model_validate(off.to_json()) == off  # stored as JSON and read back the same


@pytest.mark.parametrize("one_in", [0, 101, -3])
def test_a_share_out_of_range_is_refused_in_french(doc: RulesDocument, one_in: int) -> None:
    with pytest.raises(RulesEditError) as refused:
        survey(doc, one_in=one_in)
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("survey.one_in", f"Enquête de satisfaction : « 1 appel sur N » doit être entre 1 et 100, pas {one_in}")]


def test_a_malformed_edit_gets_french_field_errors() -> None:
    with pytest.raises(RulesEditError) as refused:
        parse_edit({"op": "set_survey", "enabled": "peut-être", "one_in": "cinq"})
    assert {p.message for p in refused.value.problems} == {"« enabled » : doit être vrai ou faux",
                                                          "« one_in » : doit être un nombre entier"}


def test_enabled_needs_its_five_prompts_with_text(doc: RulesDocument) -> None:
    with pytest.raises(RulesEditError, match="L'enquête de satisfaction est activée mais le message enquete-merci "
                                             r"\(remerciement\) n'a pas de texte"):
        apply_edit(doc, parse_edit({"op": "set_prompt_text", "name": SURVEY_PROMPT_THANKS, "text": " "}))
    missing = survey(doc, enabled=False)
    del missing.prompts[SURVEY_PROMPT_ANNOUNCE]
    assert validate(missing) == []  # off: its prompts are not needed
    with pytest.raises(RulesEditError) as refused:
        survey(missing, enabled=True)
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("prompts.enquete-annonce", "L'enquête de satisfaction est activée mais le message enquete-annonce "
                                    "(annonce en début d'appel) n'existe pas")]


def test_the_diff_says_it_in_words(doc: RulesDocument) -> None:
    assert diff(doc, survey(doc, one_in=10)) == [
        Change("survey", "Enquête de satisfaction : 1 appel sur 5", "Enquête de satisfaction : 1 appel sur 10")]
    assert diff(doc, survey(doc, enabled=False))[0].after == "Enquête de satisfaction : désactivée"
    assert summary(SurveyDoc(one_in=1)) == "Enquête de satisfaction : tous les appels"
    reworded, _ = apply_edit(doc, parse_edit({"op": "set_prompt_text", "name": SURVEY_PROMPT_THANKS,
                                              "text": "Merci et au revoir."}))
    assert [c.path for c in diff(doc, reworded)] == [f"prompts.{SURVEY_PROMPT_THANKS}"]


def test_a_version_without_the_section_gets_the_defaults(doc: RulesDocument) -> None:
    old = doc.to_json()
    del old["survey"]
    assert RulesDocument.model_validate(old).survey == SurveyDoc(enabled=True, one_in=5)


def test_rolling_back_to_a_version_older_than_the_survey_prompts_keeps_them(doc: RulesDocument) -> None:
    old = doc.model_copy(deep=True)
    for name in SURVEY_PROMPT_NAMES:
        del old.prompts[name]
    assert validate(old)  # as stored, it would be refused
    restored = with_code_prompts(old, doc)
    assert validate(restored) == [] and restored.prompts == doc.prompts
    assert SURVEY_PROMPT_ANNOUNCE not in old.prompts  # the stored version itself is not changed


def test_the_edit_type() -> None:
    assert parse_edit({"op": "set_survey", "enabled": True, "one_in": 3}) == SetSurvey(op="set_survey", enabled=True,
                                                                                       one_in=3)
