"""Render `asterisk-conf/` templates (placeholders between double at-signs) and the sections made from the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from allo.db.models import Agent, Queue
from allo.errors import ConfigError
from allo.settings import Settings
from allo.setup.asterisk_proxy import proxied_agent_sections, proxy_values
from routing.relay import parse_relay_match
from routing.rules import LEVEL1_QUEUE

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "asterisk-conf"
PLACEHOLDER = re.compile(r"@@([A-Z][A-Z0-9_]*)@@")
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class QueueConf:
    name: str
    strategy: str = "leastrecent"
    ring_timeout: int = 15
    service_level: int = 20


@dataclass(frozen=True)
class AgentConf:
    username: str
    display_name: str
    password_digest: str  # MD5 of "username:allo:password", as PJSIP `password_digest` wants


def _queue_section(queue: QueueConf) -> str:
    # `wrapuptime` is always 0: allo owns the wrap-up (a pause it lifts early when the adviser is done, and at the
    # queue's `wrapup_time` at the latest; allo/desk/wrapup.py). Asterisk's own cannot end early.
    return (f"[{queue.name}](allo-queue)\nstrategy = {queue.strategy}\ntimeout = {queue.ring_timeout}\n"
            f"wrapuptime = 0\nservicelevel = {queue.service_level}\n")


UNSAFE_LABEL = re.compile(r"[^\w .'-]")


def render_agents(agents: list[AgentConf], proxy: str = "") -> str:
    """pjsip_agents.conf: one endpoint, auth and AOR per enabled agent; behind a proxy (`host:port`), one endpoint,
    identify (by the proxy's X-Allo-Agent header) and AOR reached through the proxy per agent."""
    for agent in agents:
        if not SAFE_NAME.match(agent.username) or not re.fullmatch(r"[0-9a-f]{32}", agent.password_digest):
            raise ConfigError(f"unsafe agent for Asterisk configuration: {agent.username!r}")
    if proxy:
        return "; generated from the agents table, behind the SIP proxy\n\n" + "\n".join(
            proxied_agent_sections(a.username, _label(a), proxy) for a in agents)
    return "; generated from the agents table\n\n" + "\n".join(_agent_sections(a) for a in agents)


def _agent_sections(agent: AgentConf) -> str:
    name, label = agent.username, _label(agent)
    return (f"[{name}](agent-endpoint)\nauth = {name}\naors = {name}\ncallerid = \"{label}\" <{name}>\n\n"
            f"[{name}](agent-auth)\nusername = {name}\npassword_digest = MD5:{agent.password_digest}\n\n"
            f"[{name}](agent-aor)\n")


def _label(agent: AgentConf) -> str:
    return UNSAFE_LABEL.sub("", agent.display_name)[:80]


def render_queues(queues: list[QueueConf]) -> str:
    """The `queues.conf` that `render_files` writes: the service renders it again when queue settings change."""
    _check_names([q.name for q in queues])
    return render_template("queues.conf", {"QUEUES": "\n".join(_queue_section(q) for q in queues)})


def _check_names(names: list[str]) -> None:
    for name in names:
        if not SAFE_NAME.match(name):
            raise ConfigError(f"unsafe name for Asterisk configuration: {name!r}")


def render_template(name: str, values: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ConfigError(f"{name}: unknown placeholder @@{key}@@")
        return values[key]

    return PLACEHOLDER.sub(substitute, (TEMPLATE_DIR / name).read_text())


def relay_extensions(relay_match: str) -> str:
    """The dialplan of the numbers dedicated to relay calls: the 3939 menu, with the number dialled kept."""
    numbers = sorted(parse_relay_match(relay_match, str).called - {"3939"})  # 3939 is the menu itself
    return "\n".join(f"exten => {number},1,Set(ALLO_DIALLED={number})\n same => n,Goto(3939,1)" for number in numbers)


def render_files(settings: Settings, dirs: dict[str, str], queues: list[QueueConf],
                 agents: list[AgentConf], hours: str | None = None) -> dict[str, str]:
    """Every file of `asterisk-conf/`, the agents' endpoints and, when given, the fallback's opening hours
    (allo.fallback.hours; without them the dialplan's fallback counts the line as open)."""
    _check_names([q.name for q in queues] + [a.username for a in agents])
    values = {
        **dirs,
        "AMI_PORT": str(settings.ami_port),
        "AMI_USERNAME": settings.ami_username,
        "AMI_SECRET": settings.ami_secret.get_secret_value(),
        "SIP_BIND": settings.sip_bind,
        "SIP_PORT": str(settings.sip_port),
        "MEDIA_ADDRESS": settings.media_address,
        "RTP_START": str(settings.rtp_start),
        "RTP_END": str(settings.rtp_end),
        "RTP_TIMEOUT": str(settings.rtp_timeout),
        **proxy_values(settings),
        "RELAY_EXTENSIONS": relay_extensions(settings.relay_match),
        "AGI_HOST": settings.agi_host,
        "AGI_PORT": str(settings.agi_port),
        "QUEUES": "\n".join(_queue_section(q) for q in queues),
        "LEVEL1_QUEUE": LEVEL1_QUEUE,
        "FALLBACK_WAIT": str(max(1, round(settings.fallback_max_wait_minutes * 60))),
    }
    if not values["AMI_SECRET"]:
        raise ConfigError("ALLO_AMI_SECRET is empty: run `allo setup` to generate secrets")
    files = {template.name: render_template(template.name, values) for template in sorted(TEMPLATE_DIR.glob("*.conf"))}
    files["pjsip_agents.conf"] = render_agents(agents, settings.sip_proxy)
    if hours is not None:
        files["extensions_hours.conf"] = hours
    return files


async def asterisk_inputs(session: AsyncSession) -> tuple[list[QueueConf], list[AgentConf]]:
    """The queues and enabled agents Asterisk's configuration is rendered from, as in PostgreSQL."""
    queues = [QueueConf(q.name, q.strategy, q.ring_timeout, q.service_level)
              for q in (await session.scalars(select(Queue).order_by(Queue.name))).all()]
    agents = [AgentConf(a.username, a.display_name, a.password_digest)
              for a in (await session.scalars(select(Agent).where(Agent.enabled).order_by(Agent.username))).all()]
    return queues, agents
