"""Validation of a rules document: each kind of problem gives a readable message at a precise path."""

from __future__ import annotations

from datetime import date, time

from allo.rules.document import ExceptionDoc, MenuDoc, OptionDoc, PeriodDoc, RulesDocument
from allo.rules.validate import validate
from routing.calendar_types import ExceptionKind
from routing.rules import MenuAction


def messages(doc: RulesDocument) -> dict[str, str]:
    return {p.path: p.message for p in validate(doc)}


def test_the_seeded_rules_are_valid(doc):
    assert validate(doc) == []


def test_overlapping_periods(doc):
    doc.calendars["general"].weekly[0] = [PeriodDoc(opens=time(9), closes=time(12)),
                                          PeriodDoc(opens=time(11), closes=time(13))]
    assert messages(doc) == {"calendars.general.weekly.0":
                             "Calendrier general, lundi : les plages 09:00-12:00 et 11:00-13:00 se chevauchent"}


def test_a_period_closing_before_it_opens_but_midnight_is_fine(doc):
    doc.calendars["general"].weekly[6] = [PeriodDoc(opens=time(20), closes=time(0))]
    assert validate(doc) == []
    doc.calendars["general"].weekly[6] = [PeriodDoc(opens=time(14), closes=time(14))]
    assert messages(doc) == {"calendars.general.weekly.6": "Calendrier general, dimanche : la plage 14:00-14:00 ne "
                                                            "finit pas après son début (pour minuit, écrivez 00:00)"}


def test_an_exception_ending_before_it_starts(doc):
    doc.calendars["general"].exceptions.append(ExceptionDoc(kind=ExceptionKind.CLOSURE, starts_on=date(2026, 12, 24),
                                                            ends_on=date(2026, 12, 23)))
    assert messages(doc) == {"calendars.general.exceptions.0": "Calendrier general, fermeture exceptionnelle du "
                                                                "24/12/2026 : la fin (23/12/2026) est avant le début"}


def test_an_exception_with_only_one_time(doc):
    doc.calendars["general"].exceptions.append(ExceptionDoc(kind=ExceptionKind.OPENING, starts_on=date(2026, 12, 27),
                                                            ends_on=date(2026, 12, 27), opens=time(9)))
    assert messages(doc) == {"calendars.general.exceptions.0": "Calendrier general, ouverture exceptionnelle du "
                                                                "27/12/2026 : indiquez l'heure d'ouverture et l'heure "
                                                                "de fermeture, ou aucune des deux (journées entières)"}


def test_unknown_subdivision_and_calendar(doc):
    doc.calendars["general"].holiday_subdivision = "99"
    doc.services["general"].calendar = "nuit"
    assert messages(doc) == {"calendars.general": "Calendrier general : subdivision « 99 » inconnue pour "
                                                  "les jours fériés",
                             "services.general.calendar": "Le service general utilise le calendrier inconnu nuit"}


def test_menu_options_pointing_nowhere(doc):
    main = doc.menus["main"]
    main.options["1"] = OptionDoc(action=MenuAction.QUEUE, queue="l2-foo")
    main.options["6"] = OptionDoc(action=MenuAction.SUBMENU, target_menu="ailleurs")
    main.options["7"] = OptionDoc(action=MenuAction.INFO_HANGUP, prompt="allo/inconnu")
    main.options["8"] = OptionDoc(action=MenuAction.ACCESS_CODE, service="premium", target_menu="secteurs")
    main.options["9"] = OptionDoc(action=MenuAction.QUEUE, sector="sante")
    assert messages(doc) == {
        "menus.main.options.1": "L'option 1 du menu main envoie vers la file inconnue l2-foo",
        "menus.main.options.6": "L'option 6 du menu main ouvre le menu inconnu ailleurs",
        "menus.main.options.7": "L'option 7 du menu main dit le message inconnu allo/inconnu",
        "menus.main.options.8": "L'option 8 du menu main nomme le service inconnu premium",
        "menus.main.options.9": "L'option 9 du menu main nomme le secteur inconnu sante",
    }


def test_an_empty_menu_and_invalid_digits(doc):
    doc.menus["vide"] = MenuDoc(prompt="allo/menu-secteurs")
    doc.menus["main"].options["0"] = OptionDoc(action=MenuAction.QUEUE, queue="l1")
    doc.menus["main"].options["*"] = OptionDoc(action=MenuAction.QUEUE, queue="l1")
    assert messages(doc) == {"menus.vide.options": "Le menu vide n'a aucune option",
                             "menus.main.options.0": "Menu main : « 0 » n'est pas une touche de 1 à 9",
                             "menus.main.options.*": "Menu main : « * » n'est pas une touche de 1 à 9"}


def test_a_sector_unreachable_from_the_menu(doc):
    del doc.menus["secteurs"].options["4"]
    assert messages(doc) == {"sectors.justice": "Le secteur justice n'est joignable depuis aucun menu"}


def test_a_sector_code_reaches_its_sector_through_the_access_code_option(doc):
    del doc.menus["secteurs"].options["4"]
    code = doc.access_codes[0].model_copy(update={"id": 2, "sector": "justice"})
    doc.access_codes.append(code)
    assert validate(doc) == []


def test_a_sector_reached_by_its_queue_name(doc):
    doc.menus["secteurs"].options["4"] = OptionDoc(action=MenuAction.QUEUE, queue="l2-justice")
    assert validate(doc) == []


def test_overflow_queues(doc):
    doc.queues["l1"].overflow_queue = "l1"
    doc.queues["l2-travail"].overflow_queue = "l9"
    doc.queues["l2-logement"].on_max_wait = "overflow"
    assert messages(doc) == {
        "queues.l1.overflow_queue": "La file l1 ne peut pas déborder vers elle-même",
        "queues.l2-travail.overflow_queue": "La file l2-travail déborde vers la file inconnue l9",
        "queues.l2-logement.overflow_queue": "La file l2-logement déborde après l'attente maximale "
                                             "mais n'a pas de file de débordement",
    }


def test_thresholds_out_of_range(doc):
    doc.queues["l1"].sl_target_pct = 120
    doc.queues["l1"].service_level = 0
    doc.queues["l1"].on_max_wait = "pleurer"
    assert messages(doc) == {
        "queues.l1.sl_target_pct": "File l1 : l'objectif de niveau de service (en %) doit être "
                                   "entre 0 et 100, pas 120",
        "queues.l1.service_level": "File l1 : le seuil du niveau de service (en secondes) doit "
                                   "être entre 1 et 600, pas 0",
        "queues.l1.on_max_wait": "File l1 : après l'attente maximale, choisissez callback, "
                                 "overflow, stay (pas « pleurer »)",
    }


def test_two_sectors_on_one_queue_and_unknown_sector_queue(doc):
    doc.sectors["travail"].queue = "l2-logement"
    doc.sectors["justice"].queue = "l2-nulle-part"
    assert messages(doc) == {"sectors.logement.queue": "Les secteurs travail et logement utilisent tous "
                                                       "deux la file l2-logement",
                             "sectors.justice.queue": "Le secteur justice envoie vers la file inconnue "
                                                      "l2-nulle-part"}


def test_prompts(doc):
    doc.prompts["allo/vide"] = "  "
    doc.prompts["Allo Majuscule"] = "texte"
    doc.recordings["allo/absent"] = 3
    assert messages(doc) == {
        "prompts.allo/vide": "Le message allo/vide n'a pas de texte",
        "prompts.Allo Majuscule": "Le nom de message « Allo Majuscule » ne peut contenir que "
                                  "a-z, 0-9, /, _ et -",
        "recordings.allo/absent": "Un enregistrement est associé au message inconnu allo/absent",
    }


def test_root_menu_and_code_scope(doc):
    doc.access_codes[0].sector = "sante"
    doc.root_menu = "accueil"
    assert messages(doc) == {"root_menu": "Le premier menu, accueil, n'existe pas",
                             "access_codes.1": "Le code d'accès specialist/all sectors ouvre le "
                                               "secteur inconnu sante"}
