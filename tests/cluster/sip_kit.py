"""One Kamailio in front of one Asterisk node in proxy mode, with the node's `allo serve`: the SIP path of
docs/scaling.md on loopback addresses (Kamailio 127.0.0.1, node 127.0.0.2, the operator trunk 127.0.0.4), and a
second node's ACD played by SIPp (the citizens and advisers that talk through it: tests/cluster/proxied_sipp.py)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from allo.cluster.topology import TRUNK_ADDRESS
from allo.settings import Settings
from allo.setup import sipp
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.kamailio import KamailioConf, KamailioProcess, kamailio_db_urls
from allo.setup.prompts import ensure_prompts
from allo.setup.service_process import ServiceProcess
from allo.setup.stack import SeededData
from bench.survey_off import publish_survey_off
from tests.cluster.proxied_sipp import SCENARIOS
from tests.e2e.ami_kit import AmiWatch, watching_ami

PROXY_HOST = "127.0.0.1"
NODE_HOST = "127.0.0.2"
OTHER_NODE_HOST = "127.0.0.3"  # a second node's ACD, played by SIPp (the dispatcher set's second destination)
TRUNK_HOST = TRUNK_ADDRESS  # the operator trunk: the only source Kamailio lets in without a challenge


@dataclass
class SipPath:
    settings: Settings  # the node's
    kamailio: KamailioProcess
    asterisk: AsteriskInstance
    service: ServiceProcess
    other_node_port: int

    @property
    def proxy_port(self) -> int:
        return self.kamailio.conf.port

    def contact_status(self, agent: str) -> str:
        """The node's qualify status of the adviser's contact through the proxy (Avail, Unavail, Unknown...)."""
        out = self.asterisk.cli(f"pjsip show aor {agent}", check=False)
        found = re.search(rf"Contact:\s+{agent}/sip:\S+\s+\S+\s+(\w+)", out)
        return found.group(1) if found else f"no contact in: {out[-500:]}"

    async def wait_contact(self, agent: str, status: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while (seen := await asyncio.to_thread(self.contact_status, agent)) != status:
            assert time.monotonic() < deadline, f"{agent}'s contact: wanted {status} within {timeout} s, saw {seen}"
            await asyncio.sleep(0.2)

    def adviser_calls(self, agent: str) -> int:
        """How many calls Kamailio's dialog profile counts for the adviser."""
        result = self.kamailio.rpc("dlg.profile_get_size", "adviser", agent)
        return int(result["size"] if isinstance(result, dict) else result)


def _copy_state(source: Path, target: Path) -> None:
    """The node's own state dir (its pid file and log) with the session's secrets and demo accounts."""
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o755)
    for path in source.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)


@pytest.fixture(scope="module")
def sip_path(test_settings: Settings, seeded: SeededData,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[SipPath]:
    proxy_port, node_port, other_port, trunk_port = (sipp.free_port() for _ in range(4))
    state = tmp_path_factory.mktemp("sip-path-node")
    _copy_state(test_settings.state_dir, state)
    node = test_settings.model_copy(update={
        "state_dir": state, "sip_bind": NODE_HOST, "sip_port": node_port, "media_address": NODE_HOST,
        "rtp_start": 31000, "rtp_end": 31499, "trunk_match": TRUNK_HOST, "node_name": "a",
        "sip_proxy": f"{PROXY_HOST}:{proxy_port}", "agi_port": sipp.free_port(), "http_port": sipp.free_port(),
        "ami_port": sipp.free_port(), "asterisk_instance": f"sippath-{os.getpid()}",
        "callback_dial": f"PJSIP/trunk/sip:{{number}}@{TRUNK_HOST}:{trunk_port}"})
    run_dir = tmp_path_factory.mktemp("kamailio")
    kamailio = KamailioProcess(KamailioConf(
        listen=PROXY_HOST, port=proxy_port, trunk_match=TRUNK_HOST,
        nodes=(f"{NODE_HOST}:{node_port}", f"{OTHER_NODE_HOST}:{other_port}"),
        db_urls=kamailio_db_urls(test_settings.asyncpg_dsn), trunk_target=f"{TRUNK_HOST}:{trunk_port}",
        run_dir=run_dir))
    asyncio.run(publish_survey_off(test_settings))
    asterisk = AsteriskInstance(ensure_asterisk_root(test_settings), node.asterisk_instance)
    ensure_prompts(seeded.prompts, asterisk.sounds_dir)
    asterisk.render(node, seeded.queues, seeded.agents, seeded.hours)
    service = ServiceProcess(node)
    service.env = {f"ALLO_{key.upper()}": str(getattr(node, key)) for key in
                   ("sip_bind", "media_address", "trunk_match", "node_name", "sip_proxy", "callback_dial")}
    try:
        asterisk.start()
        kamailio.start()
        service.start()
        yield SipPath(node, kamailio, asterisk, service, other_port)
    finally:
        service.stop()
        kamailio.stop()
        asterisk.stop()
        shutil.copytree(asterisk.host_path(asterisk.log_dir), state / "asterisk-logs", dirs_exist_ok=True)
        asterisk.remove()


@pytest.fixture
async def node_watch(sip_path: SipPath) -> AsyncIterator[AmiWatch]:
    async with watching_ami(sip_path.settings) as watch:
        yield watch
    left = sip_path.asterisk.cli("core show channels concise", check=False).strip()
    if left:
        print(f"[sip path] channels left after the test, hung up:\n{left}")
        sip_path.asterisk.cli("channel request hangup all", check=False)


def other_node_rings(sip_path: SipPath, agent: str) -> sipp.Sipp:
    """The second node's ACD ringing `agent` through the proxy; the scenario passes only on 486 Busy Here."""
    return sipp.Sipp("node-invite-busy.xml", sipp.sip_target(sip_path.proxy_port), extra=["-s", agent],
                     port=sip_path.other_node_port, bind=OTHER_NODE_HOST, timeout_s=15,
                     scenario_text=(SCENARIOS / "node-invite-busy.xml").read_text())
