"""A quick scale check of `allo directory import` (issue 17): N generated bodies shaped like the real export
(~3.5 KB each: addresses, phones, hours, communes served, the personal-data block the import drops), imported into
a throwaway PostgreSQL cluster; prints the file size, the wall time and the command's peak RSS, for a full import
and for a re-import of the same file (every body unchanged).

    .venv/bin/python -m bench.directory_import_check [N]      (default 80000)

bench/ sections (`make bench`) measure the same at scale with the issue's generator; this one needs nothing else.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from allo.db.migrate import upgrade_head
from allo.settings import Settings
from allo.setup.postgres import PostgresCluster
from allo.setup.secrets import ensure_secrets

PIVOTS = ["mairie", "caf", "cpam", "sip", "tgi", "prudhommes", "adil", "ddets", "msap", "prefecture", "ccas"]
DAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"]


def record(n: int, rng: random.Random) -> dict[str, object]:
    insee = f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}"
    pivot = PIVOTS[n % len(PIVOTS)]
    served = [insee] + [f"{insee[:2]}{rng.randint(1, 999):03d}" for _ in range(rng.randint(0, 40))]
    return {
        "id": f"bench-{n:08d}", "nom": f"{pivot.capitalize()} - Commune exemple {n}", "categorie": "SL",
        "pivot": [{"type_service_local": pivot, "code_insee_commune": sorted(set(served))}],
        "ancien_code_pivot": f"{pivot}-{insee}-01", "code_insee_commune": insee, "sigle": "",
        "adresse": [{"type_adresse": "Adresse", "complement1": "Bâtiment B", "complement2": "",
                     "numero_voie": f"{n % 200} rue Exemple-de-la-République", "service_distribution": "",
                     "code_postal": f"{insee[:2]}{rng.randint(0, 999):03d}", "nom_commune": f"Commune {insee}",
                     "pays": "France", "continent": "Europe", "longitude": f"{rng.uniform(-4, 8):.5f}",
                     "latitude": f"{rng.uniform(42, 51):.5f}", "accessibilite": "ACC",
                     "note_accessibilite": "Entrée de plain-pied, ascenseur au fond du hall."},
                    {"type_adresse": "Adresse postale", "complement1": "", "complement2": "",
                     "numero_voie": f"BP {n % 900}", "service_distribution": "", "code_postal": "00000",
                     "nom_commune": f"Commune {insee} Cedex", "pays": "", "continent": "", "longitude": "",
                     "latitude": "", "accessibilite": "", "note_accessibilite": ""}],
        "telephone": [{"valeur": f"0{rng.randint(1, 5)} 99 00 {n % 100:02d} {n % 97:02d}", "description": "Accueil"},
                      {"valeur": "09 99 00 00 00", "description": "Standard départemental"}],
        "telecopie": [], "adresse_courriel": [f"accueil.{n}@example.fr"],
        "site_internet": [{"libelle": "", "valeur": f"https://www.example.fr/{pivot}/{n}"}],
        "formulaire_contact": [f"https://www.example.fr/contact/{n}"],
        "plage_ouverture": [{"nom_jour_debut": DAYS[0], "nom_jour_fin": DAYS[4], "valeur_heure_debut_1": "08:30:00",
                             "valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "13:30:00",
                             "valeur_heure_fin_2": "17:00:00", "commentaire": ""},
                            {"nom_jour_debut": DAYS[5], "nom_jour_fin": DAYS[5], "valeur_heure_debut_1": "09:00:00",
                             "valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "", "valeur_heure_fin_2": "",
                             "commentaire": "Permanence un samedi sur deux."}],
        "commentaire_plage_ouverture": "", "hierarchie": [], "date_modification": "12/03/2025 10:15:42",
        "date_creation": "18/01/2012 00:00:00", "url_service_public": f"https://lannuaire.service-public.fr/x/{n}",
        "siret": "", "siren": "", "itm_identifiant": str(n), "partenaire": "", "mission": "",
        "information_complementaire": "Accueil du public sans rendez-vous le matin, sur rendez-vous l'après-midi. "
                                      * 4,
        "affectation_personne": [{"personne": {"nom": "EXEMPLE", "prenom": "Camille", "civilite": "Mme"},
                                  "fonction": "Responsable (fictif)", "telephone": ""}],
        "reseau_social": [], "texte_reference": [], "organigramme": [], "annuaire": [], "tchat": [], "sve": [],
        "copyright": "Direction de l'information légale et administrative (Première ministre)",
    }


def generate(path: Path, count: int) -> None:
    rng = random.Random(17)
    with path.open("w") as out:
        out.write('{"service": [\n')
        for n in range(count):
            out.write((",\n" if n else "") + json.dumps(record(n, rng), ensure_ascii=False))
        out.write("\n]}\n")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed_import(env: dict[str, str], path: Path) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "allo.cli.main", "directory", "import", str(path)], env=env,
                          capture_output=True, text=True, check=True)
    return time.monotonic() - started, done.stdout.strip()


QUERIES = [{"q": "caf", "commune": "57463"}, {"q": "mairie 12345"}, {"type": "impôts", "commune": "75115"},
           {"q": "commune exemple 4242"}, {"q": "prefecture", "commune": "Commune 69123"}, {"q": "tribunal"},
           {"q": "cpam", "commune": "13055", "open_now": True}, {"q": "exemple republique"}]


async def _search_latency(url: str, rounds: int = 10) -> str:
    from datetime import UTC, datetime

    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from allo.directory.search import DirectoryQuery, search_directory

    engine = create_async_engine(url)
    timings: list[float] = []
    per_query: dict[str, list[float]] = {}
    for _ in range(rounds):
        for query in QUERIES:
            async with AsyncSession(engine) as session:  # one per search, as the API does
                started = time.perf_counter()
                await search_directory(session, DirectoryQuery(**query), datetime.now(UTC))  # type: ignore[arg-type]
                elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            per_query.setdefault(str(query), []).append(elapsed)
    await engine.dispose()
    for query, spent in per_query.items():
        print(f"  {query}: median {sorted(spent)[len(spent) // 2]:.1f} ms")
    timings.sort()
    return (f"search, {len(QUERIES)} queries x {rounds}, one client: p50 {timings[len(timings) // 2]:.1f} ms, "
            f"p95 {timings[int(len(timings) * 0.95)]:.1f} ms, max {timings[-1]:.1f} ms")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 80_000
    keep = os.environ.get("ALLO_DIRCHECK_KEEP") == "1"  # leave the cluster running to EXPLAIN queries
    with tempfile.TemporaryDirectory(prefix="allo-dircheck-") as tmp:
        state = Path(tmp) if not keep else Path(tempfile.mkdtemp(prefix="allo-dircheck-kept-"))
        state.chmod(0o755)
        ensure_secrets(state)
        settings = Settings.load(state).model_copy(update={"pg_port": _port()})
        cluster = PostgresCluster.for_state(state, settings.pg_port)
        cluster.init()
        cluster.start()
        try:
            cluster.wait_ready()
            cluster.ensure_database(settings.pg_password.get_secret_value())
            upgrade_head(settings.sqlalchemy_url)
            data = state / "annuaire.json"
            started = time.monotonic()
            generate(data, count)
            print(f"generated {count} bodies, {data.stat().st_size / 1e6:.0f} MB in {time.monotonic() - started:.1f} s")
            env = {**os.environ, "ALLO_STATE_DIR": str(state), "ALLO_PG_PORT": str(settings.pg_port)}
            seconds, out = _timed_import(env, data)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"full import: {seconds:.1f} s, peak RSS {peak:.0f} MB\n  {out}")
            print(asyncio.run(_search_latency(settings.sqlalchemy_url)))
            seconds, out = _timed_import(env, data)
            print(f"re-import (unchanged): {seconds:.1f} s\n  {out}")
        finally:
            if keep:
                print(f"kept: {settings.sqlalchemy_url.replace(settings.pg_password.get_secret_value(), '***')} "
                      f"(state {state}; stop it with pg_ctl, or delete the directory)")
            else:
                cluster.destroy()


if __name__ == "__main__":
    main()
