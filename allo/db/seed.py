"""Default data from the real 3939 service (see ../shared/seeds-digest.md): queues and demo agents."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.models import Agent, AgentQueue, Queue
from routing.rules import LEVEL1_QUEUE

REALM = "allo"

# (name, label, level, sector)
QUEUES: tuple[tuple[str, str, int, str | None], ...] = (
    (LEVEL1_QUEUE, "Niveau 1 - renseignement généraliste", 1, None),
    ("l2-interieur", "Niveau 2 - Intérieur", 2, "interieur"),
    ("l2-travail", "Niveau 2 - Droit du travail", 2, "travail"),
    ("l2-consommation", "Niveau 2 - Droit de la consommation", 2, "consommation"),
    ("l2-justice", "Niveau 2 - Justice", 2, "justice"),
    ("l2-fiscalite", "Niveau 2 - Fiscalité", 2, "fiscalite"),
    ("l2-logement", "Niveau 2 - Logement-Urbanisme", 2, "logement"),
)

# What happens at a queue's maximum wait (seconds), for queues created by the seed; ops change them in the
# `queues` table. Level 1: a callback after 15 minutes. Sectors: a callback after 10 minutes, except
# Consommation, whose callers overflow to level 1 (generalists answer the common consumer questions).
MAX_WAIT: dict[str, tuple[int, str, str | None]] = {
    LEVEL1_QUEUE: (900, "callback", None),
    "l2-consommation": (600, "overflow", LEVEL1_QUEUE),
}
SECTOR_MAX_WAIT = (600, "callback", None)

# (username, display name, queues served)
DEMO_AGENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("agent1001", "Conseillère N1 Camille", (LEVEL1_QUEUE,)),
    ("agent1002", "Conseiller N1 Karim", (LEVEL1_QUEUE,)),
    ("agent2001", "Expert Travail-Logement", ("l2-travail", "l2-logement")),
    ("agent2002", "Expert Intérieur-Justice", ("l2-interieur", "l2-justice")),
    ("agent2003", "Expert Fiscalité-Consommation", ("l2-fiscalite", "l2-consommation")),
    # The demo supervisor's softphone (users.extension of "superviseur"): a PJSIP endpoint made like an agent's,
    # in no queue, that the dashboard rings for listen / whisper / barge (docs/dashboard.md).
    ("sup2001", "Superviseur démo", ()),
)


def password_digest(username: str, password: str) -> str:
    # MD5 is what SIP digest authentication (RFC 2617) and PJSIP's password_digest require.
    return hashlib.md5(f"{username}:{REALM}:{password}".encode(), usedforsecurity=False).hexdigest()


def new_sip_password() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


@dataclass(frozen=True)
class SeedResult:
    queues_created: int
    agents_created: dict[str, str]  # username -> password, shown once


async def seed(session: AsyncSession) -> SeedResult:
    """Idempotent: creates what is missing, never overwrites what ops changed."""
    existing = {q.name: q for q in (await session.scalars(select(Queue))).all()}
    created_queues = 0
    for name, label, level, sector in QUEUES:
        if name not in existing:
            max_wait, on_max_wait, overflow = MAX_WAIT.get(name, SECTOR_MAX_WAIT)
            queue = Queue(name=name, label=label, level=level, sector=sector, max_wait=max_wait,
                          on_max_wait=on_max_wait, overflow_queue=overflow, announce_frequency=60)
            session.add(queue)
            existing[name] = queue
            created_queues += 1
    await session.flush()
    known = set((await session.scalars(select(Agent.username))).all())
    created: dict[str, str] = {}
    for username, display, queue_names in DEMO_AGENTS:
        if username in known:
            continue
        password = new_sip_password()
        agent = Agent(username=username, display_name=display, password_digest=password_digest(username, password))
        session.add(agent)
        await session.flush()
        for queue_name in queue_names:
            session.add(AgentQueue(agent_id=agent.id, queue_id=existing[queue_name].id, penalty=0))
        created[username] = password
    await session.commit()
    return SeedResult(created_queues, created)


def remember_demo_passwords(state_dir: Path, created: dict[str, str]) -> Path:
    """Demo agents' SIP passwords, readable only by the owner of the state directory."""
    path = state_dir / "demo-agents.txt"
    path.touch(mode=0o600, exist_ok=True)
    with path.open("a") as out:
        for username, password in created.items():
            out.write(f"{username} {password}\n")
    return path


def remember_access_code(state_dir: Path, scope: str, code: str) -> Path:
    """The access codes created at set-up, for the people running this installation (mode 600)."""
    path = state_dir / "access-codes.txt"
    path.touch(mode=0o600, exist_ok=True)
    with path.open("a") as out:
        out.write(f"{scope} {code}\n")
    return path
