"""The I/O side of `allo doctor`: an instance's rendered files, the modes of secret files, the agents table."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from allo.db.engine import make_engine
from allo.db.models import Agent
from allo.doctor.conf import Section, parse
from allo.doctor.host_rules import CONF_SECRET_FILES, STATE_SECRET_FILES
from allo.errors import ConfigError
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, locate_asterisk_root

DB_TIMEOUT = 5.0


@dataclass
class Inputs:
    conf_dir: Path
    pjsip: list[Section] = field(default_factory=list)
    manager: list[Section] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # file -> why it could not be read
    modes: dict[str, int] = field(default_factory=dict)
    agents: list[tuple[str, str]] | None = None  # (username, password digest) from the database
    db_note: str = "database not consulted"
    kamailio_cfg: Path | None = None  # the rendered Kamailio configuration, when there is one to check
    kamailio_text: str | None = None


def kamailio_candidates(settings: Settings) -> list[Path]:
    """Where `allo run-cluster` renders Kamailio's configuration, seen from the cluster's or a node's state dir."""
    return [settings.state_dir / "cluster" / "kamailio" / "kamailio.cfg",
            settings.state_dir.parent / "kamailio" / "kamailio.cfg"]


def default_conf_dir(settings: Settings) -> Path | None:
    """Where `allo setup` renders this instance's configuration (inside the Asterisk root)."""
    root = locate_asterisk_root(settings)
    if root is None:
        return None
    instance = AsteriskInstance(root, settings.asterisk_instance)
    return instance.host_path(instance.etc_dir)


def read_conf(conf_dir: Path, name: str) -> list[Section]:
    def read(file: str) -> str | None:
        path = conf_dir / file
        try:
            return path.read_text()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from exc

    return parse(name, read)


def file_modes(state_dir: Path, conf_dir: Path) -> dict[str, int]:
    paths = [state_dir / n for n in STATE_SECRET_FILES] + [conf_dir / n for n in CONF_SECRET_FILES]
    return {str(p): p.stat().st_mode for p in paths if p.exists()}


async def agents_from_db(settings: Settings) -> tuple[list[tuple[str, str]] | None, str]:
    engine = make_engine(settings, pool_size=1)
    try:
        async with asyncio.timeout(DB_TIMEOUT), engine.connect() as conn:
            rows = (await conn.execute(select(Agent.username, Agent.password_digest))).all()
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        return None, f"database not reachable ({type(exc).__name__}): agents checked in pjsip_agents.conf only"
    finally:
        await engine.dispose()
    return [(r.username, r.password_digest) for r in rows], f"database: {len(rows)} agent(s) checked"


def collect(settings: Settings, conf_dir: Path, *, use_db: bool, kamailio_cfg: Path | None = None) -> Inputs:
    inputs = Inputs(conf_dir)
    found = kamailio_cfg or next((p for p in kamailio_candidates(settings) if p.exists()), None)
    if found is not None:
        inputs.kamailio_cfg = found
        try:
            inputs.kamailio_text = found.read_text()
        except OSError as exc:
            inputs.unreadable[str(found)] = exc.strerror or str(exc)
    elif settings.sip_proxy:
        inputs.unreadable["kamailio.cfg"] = "ALLO_SIP_PROXY is set but no Kamailio configuration was found"
    for name in ("pjsip.conf", "manager.conf"):
        try:
            sections = read_conf(conf_dir, name)
        except ConfigError as exc:
            inputs.unreadable[name] = str(exc)
            continue
        if name == "pjsip.conf":
            inputs.pjsip = sections
        else:
            inputs.manager = sections
    inputs.modes = file_modes(settings.state_dir, conf_dir)
    if use_db:
        inputs.agents, inputs.db_note = asyncio.run(agents_from_db(settings))
    return inputs
