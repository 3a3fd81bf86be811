"""The topical message: its edit, its checks (French), its window, the budget that counts it, and the engine that
says it after the welcome only while it is live."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest

from allo.rules.apply import apply_edit
from allo.rules.budget import MenuTiming, budget_warnings, main_path_listening
from allo.rules.document import RulesDocument, to_snapshot
from allo.rules.edits import RulesEditError, parse_edit
from allo.rules.topical import MAX_CHARS, PREFIX, prompt_name, window_problems
from allo.rules.validate import validate
from routing.calendar_types import PARIS
from routing.rules import Topical
from tests.unit.ivr.ivr_testkit import RULES, paris, run

TEXT = "Pour la prime de Noël, consultez le site service-public.fr."
ENDS = datetime(2026, 3, 9, 18, 0, tzinfo=PARIS)  # the test kit's Monday (paris(9, …))


def set_topical(doc: RulesDocument, text: str = TEXT, **extra: str) -> RulesDocument:
    new, _ = apply_edit(doc, parse_edit({"op": "set_topical", "text": text, "ends": "2026-03-09T18:00", **extra}))
    return new


def test_set_makes_a_prompt_named_after_its_text_and_clear_removes_it(doc: RulesDocument) -> None:
    new = set_topical(doc)
    assert new.topical is not None and new.topical.ends == ENDS  # a time without offset is Paris time
    assert new.topical.prompt == prompt_name(TEXT) and new.topical.prompt.startswith(PREFIX)
    assert new.prompts[new.topical.prompt] == TEXT
    other = set_topical(new, "Pour le chèque énergie, consultez le site impots.gouv.fr.")
    assert [name for name in other.prompts if name.startswith(PREFIX)] == [other.topical.prompt]  # type: ignore[union-attr]
    cleared, _ = apply_edit(other, parse_edit({"op": "clear_topical"}))
    assert cleared.topical is None and not [name for name in cleared.prompts if name.startswith(PREFIX)]
    with pytest.raises(RulesEditError, match="Il n'y a pas de message d'actualité à retirer"):
        apply_edit(cleared, parse_edit({"op": "clear_topical"}))
    assert to_snapshot(new, 1).topical == Topical(new.topical.prompt, ENDS, None)
    assert validate(new) == []


@pytest.mark.parametrize(("text", "extra", "message"), [
    ("   ", {}, "Le message d'actualité est trop court (10 caractères au moins)"),
    ("x" * (MAX_CHARS + 1), {}, f"Le message d'actualité fait {MAX_CHARS + 1} caractères : {MAX_CHARS} au plus"),
    ("1234567890 1234", {}, "Le message d'actualité doit être une phrase en français"),
    (TEXT, {"starts": "2026-03-09T19:00"}, "La fin du message d'actualité doit être après son début"),
])
def test_refused_with_a_french_sentence(doc: RulesDocument, text: str, extra: dict[str, str], message: str) -> None:
    with pytest.raises(RulesEditError, match=re.escape(message)):
        set_topical(doc, text, **extra)


def test_its_end_must_be_after_the_routing_clock() -> None:
    [(path, message)] = window_problems(None, ENDS, paris(9, 18, 30))
    assert (path, message) == ("topical.ends", "La fin du message d'actualité (09/03/2026 18:00) est déjà passée")
    assert window_problems(None, ENDS, paris(9, 10)) == []
    assert "92 jours au plus" in window_problems(None, datetime(2027, 6, 1, tzinfo=PARIS), paris(9, 10))[0][1]


def test_a_rewording_of_its_prompt_alone_is_refused(doc: RulesDocument) -> None:
    new = set_topical(doc)
    with pytest.raises(RulesEditError, match="ne correspond pas"):
        apply_edit(new, parse_edit({"op": "set_prompt_text", "name": new.topical.prompt, "text": "Autre chose."}))  # type: ignore[union-attr]


def test_the_budget_counts_it(doc: RulesDocument) -> None:
    doc.survey.enabled = False  # the survey announcement counts too (test_rules_budget.py)
    durations = {"allo/bienvenue": 3.1, "allo/menu-principal": 9.1, "allo/mise-en-relation": 2.3}
    timing = MenuTiming(20.0, 0, durations)
    assert budget_warnings(doc, timing) == []
    before = main_path_listening(doc, timing)
    new = set_topical(doc)
    after = main_path_listening(new, timing)
    assert before is not None and after is not None
    assert round(after.seconds - before.seconds, 1) == round(len(TEXT) / 11, 1)  # estimated from its text
    [warning] = budget_warnings(new, timing)
    assert "le message d'actualité" in warning.message


def test_active_from_start_to_end() -> None:
    topical = Topical("allo/actualite-x", ENDS, paris(9, 9))
    assert not topical.active(paris(9, 8, 59))
    assert topical.active(paris(9, 9)) and topical.active(paris(9, 17, 59))
    assert not topical.active(ENDS)
    assert Topical("allo/actualite-x", ENDS).active(paris(2, 10))  # no start: as soon as published


async def test_the_engine_says_it_after_the_welcome_only_while_live() -> None:
    rules = replace(RULES, topical=Topical("allo/actualite-x", ENDS))
    live = await run(["1"], rules=rules, at=paris(9, 10))
    assert live.journey.prompts[:3] == ["allo/bienvenue", "allo/actualite-x", "allo/menu-principal"]
    assert "topical message allo/actualite-x" in live.journey.trace
    ended = await run(["1"], rules=rules, at=paris(9, 18))
    assert "allo/actualite-x" not in ended.journey.prompts
    assert not any(line.startswith("topical") for line in ended.journey.trace)
    closed = await run(["1"], rules=rules, at=paris(8, 10))  # Sunday: closed message only
    assert "allo/actualite-x" not in closed.journey.prompts
