"""Every prompt the engine can play has French text, short enough for espeak-ng."""

from ivr.catalogue import PROMPTS, PromptName
from routing.speech import WORD_PROMPTS, speak_hours
from tests.unit.ivr.ivr_testkit import GENERAL_CODE, RULES, paris, run


def test_every_engine_prompt_has_text():
    for name in PromptName:
        assert PROMPTS[name.value].strip(), name


def test_seeded_menu_and_option_prompts_have_text():
    for name in ("allo/menu-principal", "allo/menu-secteurs", "allo/info-service-public", "allo/info-impots"):
        assert PROMPTS[name].strip()
    for menu in RULES.menus.values():
        assert menu.prompt in PROMPTS
        for option in menu.options.values():
            assert option.prompt is None or option.prompt in PROMPTS


def test_word_prompts_are_merged_and_hours_can_be_said():
    assert {name: PROMPTS[name] for name in WORD_PROMPTS} == dict(WORD_PROMPTS)
    for calendar in RULES.calendars.values():
        assert set(speak_hours(calendar)[0]) <= set(PROMPTS)


def test_keys_are_plain_strings_and_texts_short():
    assert all(type(name) is str for name in PROMPTS)
    assert all(len(text) <= 320 for text in PROMPTS.values())
    assert PROMPTS["allo/code-acces"] == "Veuillez saisir votre code d'accès, suivi de la touche dièse."


def test_the_main_menu_mentions_each_choice():
    text = PROMPTS["allo/menu-principal"]
    # « …, tapez 1. …, 2. » once the pattern is said: short, for the 20 s main path (docs/decisions.md)
    assert "tapez 1." in text
    for key in ("2.", "3.", "4.", "5.", "Un conseiller, 0."):
        assert key in text
    sectors = PROMPTS["allo/menu-secteurs"]
    for word in ("intérieur", "travail", "consommation", "justice", "fiscalité", "logement"):
        assert word in sectors.lower()


async def test_every_prompt_played_in_the_scenarios_is_in_the_catalogue():
    scenarios = [
        (["1"], paris(9, 10)),
        ([], paris(9, 10)),
        (["2", GENERAL_CODE, "1"], paris(9, 10)),
        (["2", "0", "", ""], paris(9, 10)),
        (["2"], paris(10, 15)),
        ([], paris(15, 11)),
        (["3"], paris(9, 10)),
        (["4"], paris(9, 10)),
        (["9", "9", "9"], paris(9, 10)),
    ]
    for keys, at in scenarios:
        call = await run(keys, at=at)
        assert set(call.journey.prompts) <= set(PROMPTS), keys
