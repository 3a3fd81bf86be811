"""The caller's local office chosen among candidate rows: the commune's main office, then the department, then
national, never a retired body, and a French reason when there is none."""

from __future__ import annotations

from dataclasses import dataclass, replace

from allo.directory.local_office import Candidate, ResolvedBy, choose, kind_words


@dataclass(frozen=True)
class Town:
    insee: str
    name: str
    department: str


METZ = Town("57463", "Metz", "57")


def body(id: str, name: str, *, pivots: tuple[str, ...] = ("caf",), main: bool = False, department: str = "57",
         national: bool = False, org_type: str = "", serves: bool = False, retired: bool = False) -> Candidate:
    return Candidate(id, name, pivots, pivots if main else (), department, national, org_type, serves, retired,
                     {"id": id, "name": name})


def chosen(pivot: str, town: Town | None, *candidates: Candidate) -> tuple[str | None, ResolvedBy | None]:
    office = choose(pivot, town, candidates)
    return (office.body or {}).get("id"), office.resolved_by


def test_the_commune_main_office_wins_over_a_delegated_town_hall_and_an_annex() -> None:
    candidates = [body("annexe", "Caf de la Moselle - Annexe de Metz-Borny", serves=True),
                  body("main", "Caf de la Moselle", serves=True, main=True),
                  body("other", "Caf de la Moselle - Thionville", department="57")]
    assert chosen("caf", METZ, *candidates) == ("main", ResolvedBy.COMMUNE)


def test_without_a_main_office_a_name_without_deleguee_or_annexe_wins() -> None:
    mairies = [body("deleguee", "Mairie déléguée - Magny", pivots=("mairie",), serves=True),
               body("annexe", "Mairie annexe de Borny", pivots=("mairie",), serves=True),
               body("metz", "Mairie - Metz", pivots=("mairie",), serves=True)]
    assert chosen("mairie", METZ, *mairies) == ("metz", ResolvedBy.COMMUNE)
    assert chosen("mairie", METZ, *mairies[:2]) == ("annexe", ResolvedBy.COMMUNE)  # then by name, stably


def test_a_body_of_the_same_department_when_none_serves_the_commune() -> None:
    office = choose("adil", METZ, [body("lyon", "Adil du Rhône", pivots=("adil",), department="69"),
                                   body("adil57", "Adil de la Moselle", pivots=("adil",)),
                                   body("other-kind", "Caf de la Moselle")])
    assert (office.body or {}).get("id") == "adil57" and office.resolved_by is ResolvedBy.DEPARTMENT
    assert office.reason == ("L'Adil (information sur le logement) : aucun organisme ne dessert Metz (57463) dans "
                             "l'annuaire ; voici celui du département (57)")


def test_a_national_body_when_nothing_is_local_by_pivot_or_by_type_of_organisation() -> None:
    national = body("cnaf", "Caisse nationale des allocations familiales", pivots=(), national=True,
                    org_type="Caf nationale", department="")
    assert chosen("caf", METZ, national, body("lyon", "Caf du Rhône", department="69")) == ("cnaf",
                                                                                         ResolvedBy.NATIONAL)
    by_pivot = body("cdc", "Commission nationale", pivots=("commission_conciliation",), national=True)
    assert chosen("commission_conciliation", METZ, by_pivot) == ("cdc", ResolvedBy.NATIONAL)
    unknown = body("x", "Mairie nationale", pivots=(), national=True, org_type="Mairie nationale")
    assert chosen("ma", METZ, unknown) == (None, None)  # an unknown code is not searched for in the type's words
    office = choose("caf", None, [national, body("main", "Caf de la Moselle", serves=True, main=True)])
    assert (office.body or {}).get("id") == "cnaf"  # no commune: only national bodies can be chosen
    assert office.reason == "La Caf : sans la commune de l'appelant ; voici le service national"


def test_a_retired_body_is_never_chosen() -> None:
    retired = body("main", "Caf de la Moselle", serves=True, main=True, retired=True)
    assert chosen("caf", METZ, retired, body("annexe", "Caf - Annexe", serves=True)) == ("annexe",
                                                                                         ResolvedBy.COMMUNE)
    assert chosen("caf", METZ, retired) == (None, None)
    assert chosen("caf", METZ, replace(retired, serves=False, national=True)) == (None, None)


def test_none_found_says_why_in_french() -> None:
    office = choose("commission_conciliation", METZ, [body("caf", "Caf de la Moselle", serves=True)])
    assert office.body is None and office.resolved_by is None
    assert office.reason == ("La commission départementale de conciliation : aucun organisme connu pour Metz (57463) "
                             "ni dans son département : orienter vers le site lannuaire.service-public.fr")
    nameless = choose("commission_conciliation", Town("57463", "", "57"), [])  # a commune known by its code only
    assert nameless.reason is not None and "aucun organisme connu pour 57463 ni" in nameless.reason
    assert office.to_json() == {"pivot": "commission_conciliation",
                                "pivot_label": "la commission départementale de conciliation", "office": None,
                                "resolved_by": None, "reason": office.reason}
    assert choose("caf", None, []).reason == ("La Caf : aucun service national connu : demander la commune de "
                                              "l'appelant ou orienter vers le site lannuaire.service-public.fr")


def test_kind_words_drop_the_article_and_the_parenthesis() -> None:
    assert [kind_words(p) for p in ("caf", "adil", "sip", "ddets", "unknown_code")] == [
        "caf", "adil", "service des impots des particuliers", "inspection du travail", "unknown_code"]
