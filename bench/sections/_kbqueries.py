"""The fixed queries of the knowledge section: what an adviser types during a call, accent-less, misspelt,
multi-word, a type of body with a commune, a postal or INSEE code. Each has a category, reported with its hits.

Knowledge queries are `q` of GET /api/knowledge/search; directory queries are the parameters of
GET /api/directory/search. The naive scan (ILIKE '%word%' on every word) gets the same words.
"""

from __future__ import annotations

from urllib.parse import urlencode

# (category, q)
KNOWLEDGE: list[tuple[str, str]] = [
    ("accent-less", "demission"), ("accent-less", "carte d identite"), ("accent-less", "titre de sejour"),
    ("accent-less", "conges payes"), ("accent-less", "delai de retractation"), ("accent-less", "periode d essai"),
    ("accent-less", "prelevement a la source"), ("accent-less", "etat des lieux"),
    ("accent-less", "declaration de revenus"), ("accent-less", "televersement cerfa"),
    ("misspelt", "licensiement"), ("misspelt", "pention alimentaire"), ("misspelt", "passport"),
    ("misspelt", "rupture conventionelle"), ("misspelt", "divorse"), ("misspelt", "surendetement"),
    ("misspelt", "taxe fonciere exoneration"), ("misspelt", "aide personalisee au logement"),
    ("misspelt", "permis de constuire"), ("misspelt", "natturalisation"),
    ("multi-word", "indemnité de licenciement calcul"), ("multi-word", "garantie légale de conformité occasion"),
    ("multi-word", "dépôt de garantie restitution"), ("multi-word", "heures supplémentaires salarié"),
    ("multi-word", "arrêt maladie du salarié indemnités"), ("multi-word", "pension alimentaire révision du montant"),
    ("multi-word", "achat en ligne remboursement"), ("multi-word", "bail d'habitation logement meublé"),
    ("multi-word", "carte d'identité perte ou vol"), ("multi-word", "casier judiciaire extrait"),
    ("one word", "Pacs"), ("one word", "succession"), ("one word", "apprentissage"), ("one word", "télétravail"),
    ("one word", "curatelle"), ("one word", "colocation"), ("one word", "adoption"), ("one word", "visa"),
    ("one word", "copropriété"), ("one word", "préavis"),
    ("question", "peut-on refuser une rupture conventionnelle"), ("question", "combien de temps pour se rétracter"),
    ("question", "comment déclarer un changement d'adresse"), ("question", "que faire en cas d'impayé de loyer"),
    ("question", "qui paie la taxe foncière"), ("abbreviation", "apl"), ("abbreviation", "cdd"),
    ("abbreviation", "cse"), ("abbreviation", "ptz"), ("abbreviation", "caf"),
]

# (category, parameters)
DIRECTORY: list[tuple[str, dict[str, str]]] = [
    *[("type + commune", {"q": q}) for q in (
        "caf metz", "mairie lyon", "prefecture montpellier", "impots nantes", "cpam toulouse", "tribunal bordeaux",
        "prud'hommes lille", "adil rennes", "france services rodez", "inspection du travail strasbourg",
        "caf saint-etienne", "mairie nimes", "sip grenoble", "cpam le mans", "préfecture dijon")],
    *[("type + commune fields", {"type": t, "commune": c}) for t, c in (
        ("caf", "Metz"), ("mairie", "57463"), ("sip", "34000"), ("tgi", "Lyon"), ("msap", "Rodez"),
        ("cpam", "69003"), ("prudhommes", "Nantes"), ("ddets", "67000"), ("adil", "Montpellier"),
        ("prefecture", "Caen"))],
    *[("postal or INSEE code", {"commune": c}) for c in (
        "57000", "69007", "34070", "75015", "13008", "31400", "44109", "06088", "59350", "2A004")],
    *[("misspelt or accent-less", {"q": q}) for q in (
        "mairi de metz", "prefecure lyon", "besancon", "caf orleans", "mairie st etienne", "tresorerie",
        "gendarmrie", "maison de justice et du droit", "mission locale amiens", "centre des impots fonciers")],
    *[("name words", {"q": q}) for q in (
        "caisse d'allocations familiales", "conseil de prud'hommes", "point-justice", "brigade de gendarmerie",
        "communauté de communes")],
]


def knowledge_paths() -> list[str]:
    return [f"/api/knowledge/search?{urlencode({'q': q, 'limit': 10})}" for _, q in KNOWLEDGE]


def directory_paths() -> list[str]:
    return [f"/api/directory/search?{urlencode({**params, 'limit': 10})}" for _, params in DIRECTORY]


def words(text: str) -> list[str]:
    """The naive scan's patterns: every word of at least 2 letters, as '%word%'."""
    cleaned = "".join(c if c.isalnum() else " " for c in text)
    return [f"%{w}%" for w in cleaned.split() if len(w) >= 2] or ["%"]


def knowledge_words() -> list[list[str]]:
    return [words(q) for _, q in KNOWLEDGE]


def directory_words() -> list[list[str]]:
    return [words(" ".join(params.values())) for _, params in DIRECTORY]
