"""Pivot codes (`type_service_local` of the Annuaire, `PivotLocal` of the answer sheets) and their French labels.

The join key between an answer sheet's "où s'adresser" and the directory. The list is the DILA's as far as the
3939 needs it (docs/knowledge.md); an unknown code is still accepted everywhere (the archive grows), it is only
shown as its code.
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    "mairie": "la mairie",
    "mairie_com": "la mairie (collectivité d'outre-mer)",
    "paris_mairie": "la mairie de Paris",
    "paris_mairie_arrondissement": "la mairie d'arrondissement",
    "prefecture": "la préfecture",
    "prefecture_region": "la préfecture de région",
    "sous_pref": "la sous-préfecture",
    "paris_ppp": "la préfecture de police de Paris",
    "caf": "la Caf",
    "cpam": "la CPAM (Assurance maladie)",
    "carsat": "la Carsat",
    "msa": "la MSA",
    "urssaf": "l'Urssaf",
    "tgi": "le tribunal judiciaire",
    "ti": "le tribunal de proximité",
    "prudhommes": "le conseil de prud'hommes",
    "point_justice": "le point-justice",
    "mjd": "la maison de justice et du droit",
    "cdad": "le conseil départemental de l'accès au droit",
    "sip": "le service des impôts des particuliers",
    "sie": "le service des impôts des entreprises",
    "tresorerie": "la trésorerie",
    "centre_impots_fonciers": "le centre des impôts fonciers",
    "adil": "l'Adil (information sur le logement)",
    "ddets": "l'inspection du travail (DDETS)",
    "direccte_ut": "l'unité départementale de l'inspection du travail",
    "droit_travail": "le service de renseignement en droit du travail",
    "msap": "l'espace France services",
    "france_travail": "France Travail",
    "pole_emploi": "France Travail (ex-Pôle emploi)",
    "commissariat_police": "le commissariat de police",
    "gendarmerie": "la gendarmerie",
    "maison_handicapees": "la maison départementale des personnes handicapées",
    "ccas": "le centre communal d'action sociale",
    "cij": "le centre d'information jeunesse",
    "mission_locale": "la mission locale",
    "commission_conciliation": "la commission départementale de conciliation",
    "epci": "l'intercommunalité",
    "cg": "le conseil départemental",
    "cr": "le conseil régional",
}


def label(code: str) -> str:
    """French label with its article ("la Caf"), or the code itself when the code is not in the table."""
    return LABELS.get(code, code)


def known(code: str) -> bool:
    return code in LABELS
