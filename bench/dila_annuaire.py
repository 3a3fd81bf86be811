"""Synthetic « Annuaire de l'administration » export (`{"service": [...]}`) for the bench, streamed to disk.

Communes: the real large ones of `dila_vocab.REAL_COMMUNES` plus invented ones spread over the 101 departments
(INSEE = department + sequence, never a real large commune's code). Bodies: one town hall per commune, then the
other pivots by their weight, each serving a run of neighbouring communes of its department; the record carries
every key of the export (README §2) and is padded with `mission` text to a drawn size of 3.1 to 3.9 KB, like the real
records with their addresses, phones, hours and communes served. One record in memory at a time.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from bench.dila_vocab import (
    BODY_NAMES,
    DEPARTMENTS,
    MISSIONS,
    NAME_ENDS,
    NAME_PREFIXES,
    NAME_ROOTS,
    NAME_SUFFIXES,
    PIVOT_WEIGHTS,
    REAL_COMMUNES,
    STREETS,
)

SIZE_MIN, SIZE_MAX = 3100, 3900  # bytes of one record in UTF-8 (the real export: ~3.3 KB on average)
MAX_SERVED = 120  # communes listed in one pivot (keeps the record in its size band)
DAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"]
MAIN_PIVOTS = ["caf", "cpam", "sip", "tgi", "prudhommes", "ddets", "msap", "adil", "prefecture"]


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postal_codes: tuple[str, ...]
    department: str


def communes(rng: random.Random, count: int) -> list[Commune]:
    """`count` communes (at least the real ones), about evenly spread over the 101 departments."""
    real = [Commune(i, n, tuple(p), d) for i, n, p, d in REAL_COMMUNES]
    taken = {c.insee for c in real}
    result = list(real)
    rest, n = max(0, count - len(real)), len(DEPARTMENTS)
    for d, dept in enumerate(DEPARTMENTS):
        width = 5 - len(dept)
        seq = 0
        for _ in range(min(rest * (d + 1) // n - rest * d // n, 10 ** width - 2)):
            seq += 1
            insee = f"{dept}{seq:0{width}d}"
            while insee in taken:
                seq += 1
                insee = f"{dept}{seq:0{width}d}"
            taken.add(insee)
            postal_dept = "20" if dept in ("2A", "2B") else dept[:3] if len(dept) == 3 else dept
            postal = f"{postal_dept}{(seq // 5) * 10 % 1000:0{5 - len(postal_dept)}d}"[:5]
            result.append(Commune(insee, commune_name(rng), (postal,), dept))
    return result


def commune_name(rng: random.Random) -> str:
    name = rng.choice(NAME_PREFIXES) + rng.choice(NAME_ROOTS) + rng.choice(NAME_ENDS) + rng.choice(NAME_SUFFIXES)
    return name[0].upper() + name[1:]


def plan(rng: random.Random, bodies: int, all_communes: list[Commune]) -> Iterator[tuple[str, Commune]]:
    """(pivot, commune) of every body: town halls first, then each real commune's main offices, then the rest."""
    count = 0
    for commune in all_communes:
        if count >= bodies:
            return
        count += 1
        yield ("paris_mairie_arrondissement" if commune.insee.startswith("751") else "mairie"), commune
    for commune in all_communes[:len(REAL_COMMUNES)]:
        for pivot in MAIN_PIVOTS:
            if count >= bodies:
                return
            count += 1
            yield pivot, commune
    pivots = [p for p, w in PIVOT_WEIGHTS.items() if w[0]]
    weights = [PIVOT_WEIGHTS[p][0] for p in pivots]
    while count < bodies:
        count += 1
        yield rng.choices(pivots, weights)[0], rng.choice(all_communes)


def record(rng: random.Random, index: int, pivot: str, commune: Commune, by_dept: dict[str, list[Commune]]) -> \
        dict[str, Any]:
    body_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    neighbours = by_dept[commune.department]
    low, high = PIVOT_WEIGHTS.get(pivot, (0, 1, 1))[1:]
    start = neighbours.index(commune)
    served = [commune.insee] + [c.insee for c in neighbours[start + 1:start + rng.randint(low, high)]]
    served = served[:MAX_SERVED]
    name = f"{BODY_NAMES[pivot]} - {commune.name}"
    pivots: list[dict[str, Any]] = [{"type_service_local": pivot, "code_insee_commune": served}]
    if index % 97 == 0:  # the older shape: one commune as a string and an index
        pivots = [{"type_service_local": pivot, "code_insee_commune": commune.insee, "indice_code_pivot": "01"}]
    elif pivot == "mairie" and index % 11 == 0:
        pivots.append({"type_service_local": "ccas", "code_insee_commune": [commune.insee]})
    phone_prefix = f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    slug = body_id.split("-", maxsplit=1)[0]
    street = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
    address = {"type_adresse": "Adresse", "complement1": rng.choice(["", "", "Bâtiment B", "Hôtel de ville"]),
               "complement2": "", "numero_voie": street, "service_distribution": "",
               "code_postal": commune.postal_codes[0], "nom_commune": commune.name, "pays": "France",
               "continent": "Europe", "longitude": f"{rng.uniform(-1.5, 7.5):.5f}",
               "latitude": f"{rng.uniform(43.0, 50.5):.5f}", "accessibilite": rng.choice(["ACC", "NAC", "DEM", ""]),
               "note_accessibilite": rng.choice(["", "Entrée de plain-pied", "Ascenseur au fond du hall"])}
    postal = {**address, "type_adresse": "Adresse postale", "numero_voie": f"BP {rng.randint(10, 999)}",
              "longitude": "", "latitude": "", "accessibilite": "", "note_accessibilite": "",
              "service_distribution": f"{commune.name.upper()} CEDEX"}
    hours = [{"nom_jour_debut": "Lundi", "nom_jour_fin": "Vendredi", "valeur_heure_debut_1": "08:30:00",
              "valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "13:30:00",
              "valeur_heure_fin_2": rng.choice(["16:30:00", "17:00:00", "17:30:00"]), "commentaire": ""}]
    if rng.random() < 0.5:
        hours.append({"nom_jour_debut": "Samedi", "nom_jour_fin": "Samedi", "valeur_heure_debut_1": "09:00:00",
                      "valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "", "valeur_heure_fin_2": "",
                      "commentaire": rng.choice(["", "Sur rendez-vous uniquement."])})
    children = [{"type_hierarchie": "Service Fils", "service": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
                for _ in range(rng.choice([0, 0, 0, 1, 2]))]
    return {
        "plage_ouverture": hours, "site_internet": [{"libelle": "", "valeur": f"https://www.example.fr/{slug}"}],
        "copyright": "Direction de l'information légale et administrative (Première ministre)",
        "siren": f"{rng.randint(100_000_000, 999_999_999)}", "ancien_code_pivot": f"{pivot}-{commune.insee}-01",
        "reseau_social": [], "texte_reference": [], "partenaire": "france_service" if pivot == "msap" else "",
        "telecopie": [f"{phone_prefix} {rng.randint(10, 99)} {rng.randint(10, 99)}"] if rng.random() < 0.3 else [],
        "nom": name, "siret": f"{rng.randint(10 ** 13, 10 ** 14 - 1)}", "itm_identifiant": str(100000 + index),
        "sigle": "", "affectation_personne": [], "date_modification": "12/03/2025 10:15:42",
        "adresse_courriel": [f"accueil.{slug}@example.fr"] + ([f"contact.{slug}@example.fr"]
                                                                  if rng.random() < 0.4 else []),
        "service_disponible": "", "organigramme": [], "pivot": pivots, "partenaire_identifiant": "",
        "ancien_identifiant": [], "id": body_id, "ancien_nom": [], "commentaire_plage_ouverture": "",
        "annuaire": [], "tchat": [], "hierarchie": children, "categorie": "SL", "sve": [],
        "telephone_accessible": [], "application_mobile": [], "version_type": "Publiable", "type_repertoire": "",
        "telephone": [{"valeur": f"{phone_prefix} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                       "description": d} for d in ["Standard", "Accueil"][:rng.randint(1, 2)]],
        "version_etat_modification": "", "date_creation": "18/01/2012 00:00:00", "partenaire_date_modification": "",
        "mission": "", "formulaire_contact": [f"https://www.example.fr/{slug}/contact"],
        "version_source": "", "type_organisme": "", "code_insee_commune": commune.insee,
        "statut_de_diffusion": "true", "adresse": [address, postal] if rng.random() < 0.6 else [address],
        "url_service_public": f"https://lannuaire.service-public.fr/{commune.department}/{body_id}",
        "information_complementaire": "", "date_diffusion": ""}


def encoded(rng: random.Random, body: dict[str, Any]) -> str:
    """The record as JSON, its `mission` text grown to a size drawn in [SIZE_MIN, SIZE_MAX]."""
    target = rng.randint(SIZE_MIN, SIZE_MAX)
    missing = target - len(json.dumps(body, ensure_ascii=False).encode())
    served = body["pivot"][0]["code_insee_commune"] if body["pivot"] else None
    if missing < 0 and isinstance(served, list):  # too many communes served for the band: list fewer
        del served[max(1, len(served) + missing // 9 - 1):]
        missing = target - len(json.dumps(body, ensure_ascii=False).encode())
    missions: list[str] = []
    while missing > 0:  # every mission sentence is plain text: its JSON size is its UTF-8 size (+1 space)
        missions.append(rng.choice(MISSIONS))
        missing -= len(missions[-1].encode()) + 1
    body["mission"] = " ".join(missions)
    return json.dumps(body, ensure_ascii=False)


def write_annuaire(out: IO[str], bodies: int, seed: int, commune_count: int | None = None) -> int:
    """Write the export to `out` (text, UTF-8); returns the number of communes used."""
    rng = random.Random(seed)
    count = commune_count if commune_count is not None else min(36_000, max(len(REAL_COMMUNES), bodies * 9 // 20))
    all_communes = communes(rng, count)
    by_dept: dict[str, list[Commune]] = {}
    for commune in all_communes:
        by_dept.setdefault(commune.department, []).append(commune)
    out.write('{"service": [\n')
    for index, (pivot, commune) in enumerate(plan(rng, bodies, all_communes)):
        if index:
            out.write(",\n")
        out.write(encoded(rng, record(rng, index, pivot, commune, by_dept)))
    out.write("\n]}\n")
    return len(all_communes)
