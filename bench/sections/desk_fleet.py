"""The advisers of the desk section, set up through the product: agents created with allo's own agent admin
(`allo.agents.admin.create_agent`, one PJSIP publish for all instead of one reload per agent as `POST /api/agents`
would do), their accounts with `POST /api/users` (admin; role `agent`, extension = the agent), a bearer token each
with `POST /api/auth/token`; the phones registered by SIPp and logged in from their desk (`POST /api/desk/login`,
the adviser's own token). One SIPp UAS answers for every phone (their registrations' Contact is its port), like
the stack's agents. While measured, the stack's own agents leave `l1` (AMI QueueRemove) so that every call is
answered by a desk's phone; they are put back at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import httpx

from acd.agents import Membership
from acd.ami.errors import AmiActionFailed
from allo.agents.admin import create_agent, publish_agents
from allo.auth.roles import Role
from allo.db.engine import make_engine
from allo.setup import sipp
from bench.sections._httpkit import base_url

QUEUE = "l1"


@dataclass
class DeskFleet:
    stack: Any
    advisers: int
    phones: int
    talk_ms: int
    prefix: str = "desk"
    sip_passwords: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    uas: sipp.Sipp | None = None
    logged_in: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f"{self.prefix}{n:03d}" for n in range(1, self.advisers + 1)]

    @property
    def phone_names(self) -> list[str]:
        return self.names[:self.phones]

    async def setup(self) -> None:
        """Each step's wall time goes in `timings` (the accounts dominate: allo hashes every password with
        argon2id, ~0.1 s of one core, once to create the account and once to issue its token)."""
        t0 = time.monotonic()
        engine = make_engine(self.stack.settings, pool_size=2)
        try:
            for name in self.names:
                self.sip_passwords[name] = await create_agent(engine, name, f"Conseiller {name}",
                                                              [Membership(QUEUE, 0)])
            if not await publish_agents(engine, self.stack.ami, self.stack.asterisk):
                raise RuntimeError("the desk agents' PJSIP endpoints were not published")
        finally:
            await engine.dispose()
        self.timings["agents_s"] = round(time.monotonic() - t0, 1)
        async with httpx.AsyncClient(base_url=base_url(self.stack), timeout=60) as client:
            admin = self.stack.service.headers(Role.ADMIN)
            gate = asyncio.Semaphore(2)
            await asyncio.gather(self._timed("accounts_s", *(self._account(client, admin, name, gate)
                                                             for name in self.names)),
                                 self._timed("phones_registered_s", self._phones()))
            t1 = time.monotonic()
            for name in self.phone_names:
                reply = await client.post("/api/desk/login", headers=self.bearer(name))
                if reply.status_code != 200:
                    raise RuntimeError(f"{name} could not log in: {reply.status_code} {reply.text[:300]}")
                self.logged_in.append(name)
            self.timings["login_s"] = round(time.monotonic() - t1, 1)
        for name in self.stack.agent_names:
            await self.stack.ami.queue_remove(QUEUE, f"PJSIP/{name}")
            self.removed.append(name)
        self.timings["total_s"] = round(time.monotonic() - t0, 1)

    async def _timed(self, key: str, *jobs: Awaitable[None]) -> None:
        t0 = time.monotonic()
        await asyncio.gather(*jobs)
        self.timings[key] = round(time.monotonic() - t0, 1)

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    async def _account(self, client: httpx.AsyncClient, admin: dict[str, str], name: str,
                       gate: asyncio.Semaphore) -> None:
        password = secrets.token_urlsafe(18)
        async with gate:
            reply = await client.post("/api/users", headers=admin, json={
                "username": name, "role": Role.AGENT.value, "display_name": f"Conseiller {name}",
                "extension": name, "password": password})
            if reply.status_code != 201:
                raise RuntimeError(f"account {name}: {reply.status_code} {reply.text[:300]}")
            reply = await client.post("/api/auth/token", data={"username": name, "password": password})
            if reply.status_code != 200:
                raise RuntimeError(f"token of {name}: {reply.status_code} {reply.text[:300]}")
        self.passwords[name] = password
        self.tokens[name] = reply.json()["access_token"]

    async def _phones(self) -> None:
        """Register every phone with its Contact on one port, then start the UAS that answers on that port."""
        port = sipp.free_port()
        text = (sipp.SCENARIO_DIR / "agent-register.xml").read_text().replace(
            "Contact: <sip:[user]@[local_ip]:[local_port]>", f"Contact: <sip:[user]@[local_ip]:{port}>")
        sip_port = self.stack.settings.sip_port

        async def register(name: str) -> None:
            result = None
            for _attempt in range(3):  # neighbouring SIPps can pick the same media port: retry on a new one
                reg = sipp.Sipp("agent-register.xml", sipp.sip_target(sip_port), {"user": name, "expires": "3600"},
                                extra=["-au", name, "-ap", self.sip_passwords[name]], timeout_s=15,
                                scenario_text=text)
                result = await asyncio.to_thread(reg.run)
                if result.ok:
                    return
            raise RuntimeError(f"phone {name} could not register: {result.log[-1500:] if result else ''}")

        gate = asyncio.Semaphore(5)

        async def gated(name: str) -> None:
            async with gate:
                await register(name)

        await asyncio.gather(*(gated(name) for name in self.phone_names))
        self.uas = sipp.Sipp("agent-answer.xml", sipp.sip_target(sip_port), {"talk_ms": str(self.talk_ms)},
                             calls=10_000_000, port=port, timeout_s=3600, extra=["-max_socket", "1024", "-l", "1000"])
        self.uas.start()

    async def close(self) -> None:
        """Log the phones out, stop their UAS and put the stack's agents back in l1 (best effort, all of it)."""
        async with httpx.AsyncClient(base_url=base_url(self.stack), timeout=30) as client:
            for name in self.logged_in:
                with contextlib.suppress(httpx.HTTPError):
                    await client.post("/api/desk/logout", headers=self.bearer(name))
        if self.uas is not None:
            await asyncio.to_thread(self.uas.stop)
        for name in self.removed:
            try:
                await self.stack.ami.queue_add(QUEUE, f"PJSIP/{name}", name)
            except AmiActionFailed as exc:
                if "already there" not in exc.response.message.lower():
                    raise
