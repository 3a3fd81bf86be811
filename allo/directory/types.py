"""French words an adviser types → pivot codes ("impôts" → sip, sie, …), found inside a query (pure).

Accent- and case-insensitive; apostrophes and hyphens are spaces ("prud'hommes" = "prud hommes"); a pivot code
itself is a word too ("msap", "paris_ppp"). The longest phrase wins ("inspection du travail" before "travail").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from allo.directory.pivots import LABELS, label

MAIRIE = ("mairie", "mairie_com", "paris_mairie", "paris_mairie_arrondissement")
PREFECTURE = ("prefecture", "sous_pref", "prefecture_region", "paris_ppp")
IMPOTS = ("sip", "sie", "centre_impots_fonciers", "tresorerie")
TRAVAIL = ("ddets", "direccte_ut", "droit_travail")
EMPLOI = ("france_travail", "pole_emploi")

WORDS: dict[str, tuple[str, ...]] = {
    "mairie": MAIRIE, "mairies": MAIRIE, "hotel de ville": MAIRIE, "mairie d arrondissement": MAIRIE[3:],
    "prefecture": PREFECTURE, "prefectures": PREFECTURE, "sous prefecture": ("sous_pref",),
    "prefecture de police": ("paris_ppp",),
    "caf": ("caf",), "allocations familiales": ("caf",), "caisse d allocations familiales": ("caf",),
    "cpam": ("cpam",), "assurance maladie": ("cpam",), "securite sociale": ("cpam",), "secu": ("cpam",),
    "impots": IMPOTS, "impot": IMPOTS, "centre des impots": IMPOTS, "finances publiques": IMPOTS,
    "service des impots": IMPOTS, "tresor public": IMPOTS, "tresorerie": ("tresorerie",),
    "cadastre": ("centre_impots_fonciers",),
    "tribunal": ("tgi", "ti"), "tribunaux": ("tgi", "ti"), "tribunal judiciaire": ("tgi",),
    "tribunal de proximite": ("ti",), "tribunal d instance": ("ti",),
    "prud hommes": ("prudhommes",), "prudhommes": ("prudhommes",), "prudhomme": ("prudhommes",),
    "conseil de prud hommes": ("prudhommes",),
    "adil": ("adil",), "information logement": ("adil",),
    "inspection du travail": TRAVAIL, "ddets": TRAVAIL[:1], "direccte": ("direccte_ut",),
    "droit du travail": TRAVAIL,
    "france services": ("msap",), "maison france services": ("msap",), "msap": ("msap",),
    "pole emploi": EMPLOI, "france travail": EMPLOI,
    "gendarmerie": ("gendarmerie",), "commissariat": ("commissariat_police",), "police": ("commissariat_police",),
    "mdph": ("maison_handicapees",), "maison handicapees": ("maison_handicapees",),
    "maison des personnes handicapees": ("maison_handicapees",), "handicap": ("maison_handicapees",),
    "ccas": ("ccas",), "action sociale": ("ccas",), "carsat": ("carsat",), "retraite": ("carsat",),
    "msa": ("msa",), "urssaf": ("urssaf",), "mission locale": ("mission_locale",), "cij": ("cij",),
    "point justice": ("point_justice", "mjd", "cdad"), "maison de justice": ("mjd",),
    "acces au droit": ("cdad", "point_justice"), "conciliation": ("commission_conciliation",),
    "conseil departemental": ("cg",), "departement": ("cg",), "conseil regional": ("cr",), "region": ("cr",),
    "intercommunalite": ("epci",), "communaute de communes": ("epci",),
}


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes/hyphens/underscores as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[\u2019'`\-_,;.:/()]+", " ", plain).split())


def _phrases() -> dict[str, tuple[str, ...]]:
    table = {fold(word): codes for word, codes in WORDS.items()}
    for code in LABELS:
        table.setdefault(fold(code), (code,))
    return table


PHRASES = _phrases()
_LONGEST_FIRST = sorted(PHRASES, key=lambda p: (-len(p.split()), -len(p)))


@dataclass(frozen=True, slots=True)
class TypeMatch:
    pivots: tuple[str, ...]  # codes, in the order the words appear, without repeats
    words: tuple[str, ...]  # the phrases recognised (folded)
    rest: str  # the query without them (folded): a name or a commune


def recognise(text: str) -> TypeMatch:
    """Type words found in `text` (whole words only), and what is left."""
    tokens = fold(text).split()
    found: list[tuple[int, str]] = []
    used = [False] * len(tokens)
    for phrase in _LONGEST_FIRST:
        size = len(phrase.split())
        for start in range(len(tokens) - size + 1):
            if not any(used[start:start + size]) and " ".join(tokens[start:start + size]) == phrase:
                found.append((start, phrase))
                used[start:start + size] = [True] * size
    found.sort()
    pivots: list[str] = []
    for _, phrase in found:
        pivots.extend(PHRASES[phrase])
    rest = " ".join(t for t, u in zip(tokens, used, strict=True) if not u and t not in _FILLERS)
    return TypeMatch(tuple(dict.fromkeys(pivots)), tuple(p for _, p in found), rest)


# What advisers abbreviate in a place or body name: « st etienne » is Saint-Étienne (its commune found exactly, the
# name found by full text rather than by the slow trigram fallback).
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def expand(folded: str) -> str:
    """"st etienne" → "saint etienne" (words already folded)."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in folded.split())


CLOSE = 0.92  # difflib's ratio: one letter missing or wrong in a long word (« gendarmrie » 0.95), not
# « marie » for « mairie » (0.91)
_TYPE_WORDS = sorted(p for p in PHRASES if " " not in p)


def correct(text: str) -> str:
    """The query folded, each word of 6 letters or more within a typo of a one-word type replaced by it:
    "gendarmrie" → "gendarmerie", "prefecure lyon" → "prefecture lyon" (pure)."""
    words = []
    for word in fold(text).split():
        close = difflib.get_close_matches(word, _TYPE_WORDS, n=1, cutoff=CLOSE) \
            if len(word) >= 6 and word not in PHRASES else []
        words.append(close[0] if close else word)
    return " ".join(words)


_FILLERS = {"de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "aux", "en", "pour"}


def labels(pivots: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"code": code, "label": label(code)} for code in pivots]
