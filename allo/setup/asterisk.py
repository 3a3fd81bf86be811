"""One Asterisk instance: its rendered configuration, process and CLI, in a chroot or on the system."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from allo.errors import SetupError
from allo.settings import Settings
from allo.setup.asterisk_conf import AgentConf, QueueConf, render_files
from allo.setup.procs import pid_alive, run, say

SYSTEM_ROOT = Path("/")
ROOT_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "setup-asterisk-root.sh"


def ensure_asterisk_root(settings: Settings) -> Path:
    """System Asterisk if present, else the Debian sid root cached outside the clone (built once)."""
    if settings.asterisk_root is not None and (settings.asterisk_root / ".allo-ready").exists():
        return settings.asterisk_root
    env = {"ALLO_CACHE_DIR": str(settings.cache_dir)}
    if settings.asterisk_root is not None:
        env["ALLO_ASTERISK_ROOT"] = str(settings.asterisk_root)
    proc = subprocess.run(["bash", str(ROOT_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False,
                          env={**os.environ, **env}, timeout=1800)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SetupError("could not provide Asterisk 22 (see the messages above)")
    return Path(proc.stdout.strip().splitlines()[-1])


def locate_asterisk_root(settings: Settings) -> Path | None:
    """Where Asterisk is, without building anything (for processes that only need its sounds dir)."""
    if settings.asterisk_root is not None:
        return settings.asterisk_root
    if shutil.which("asterisk"):
        return SYSTEM_ROOT
    cached = settings.cache_dir / "asterisk-sid"
    return cached if (cached / ".allo-ready").exists() else None


def sounds_dir(root: Path) -> Path:
    return root / "usr/share/asterisk/sounds"


@dataclass
class AsteriskInstance:
    root: Path
    name: str
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)

    @property
    def etc_dir(self) -> str:
        return f"/etc/allo/{self.name}"

    @property
    def conf_file(self) -> str:
        return f"{self.etc_dir}/asterisk.conf"

    @property
    def run_dir(self) -> str:
        return f"/run/allo/{self.name}"

    @property
    def log_dir(self) -> str:
        return f"/var/log/allo/{self.name}"

    @property
    def var_dir(self) -> str:
        return f"/var/lib/allo/{self.name}"

    def host_path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    @property
    def sounds_dir(self) -> Path:
        return sounds_dir(self.root)

    def _base(self) -> list[str]:
        if self.root == SYSTEM_ROOT:
            return ["asterisk", "-C", self.conf_file]
        return ["chroot", str(self.root), "/usr/sbin/asterisk", "-C", self.conf_file]

    def _mod_dir(self) -> str:
        found = sorted(self.root.glob("usr/lib/*/asterisk/modules"))
        if not found:
            raise SetupError(f"no Asterisk modules under {self.root}")
        return "/" + str(found[0].relative_to(self.root))

    def render(self, settings: Settings, queues: list[QueueConf], agents: list[AgentConf],
               hours: str | None = None) -> None:
        for inside in (self.etc_dir, self.run_dir, self.log_dir, self.var_dir, f"{self.var_dir}/spool",
                       f"{self.var_dir}/cache"):
            self.host_path(inside).mkdir(parents=True, exist_ok=True)
        dirs = {"ETC_DIR": self.etc_dir, "MOD_DIR": self._mod_dir(), "VAR_DIR": self.var_dir,
                "RUN_DIR": self.run_dir, "LOG_DIR": self.log_dir}
        for name, text in render_files(settings, dirs, queues, agents, hours).items():
            self.write_conf(name, text)

    def write_conf(self, name: str, text: str) -> None:
        """Replace one rendered file atomically (Asterisk may read it at any moment on a reload)."""
        target = self.host_path(f"{self.etc_dir}/{name}")
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o600 if name == "manager.conf" or name.startswith("pjsip") else 0o644)
        tmp.replace(target)

    def cli(self, command: str, timeout: float = 15.0, check: bool = True) -> str:
        return run([*self._base(), "-rx", command], timeout=timeout, check=check).stdout

    def running(self) -> bool:
        if not self.host_path(f"{self.run_dir}/asterisk.ctl").exists():
            return False
        return run([*self._base(), "-rx", "core show uptime"], check=False, timeout=10).returncode == 0

    def start(self, timeout: float = 60.0) -> subprocess.Popen[bytes] | None:
        """Start in the background and wait until fully booted; None if it was already running.

        The child is reaped by stop()."""
        if self.running():
            return None
        say(f"starting Asterisk ({self.name}) from {self.root}")
        log = self.host_path(f"{self.log_dir}/console.log").open("ab")
        proc = subprocess.Popen([*self._base(), "-f", "-n", "-q"], stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._children.append(proc)
        self.wait_fully_booted(timeout, proc)
        return proc

    def wait_fully_booted(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise SetupError(f"Asterisk exited with {proc.returncode}; see {self.host_path(self.log_dir)}")
            probe = run([*self._base(), "-rx", "core waitfullybooted"], check=False, timeout=max(1.0, timeout))
            if probe.returncode == 0 and "fully booted" in probe.stdout.lower():
                return
            time.sleep(0.2)
        raise SetupError(f"Asterisk did not boot within {timeout:.0f} s")

    def pid(self) -> int | None:
        pidfile = self.host_path(f"{self.run_dir}/asterisk.pid")
        try:
            return int(pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout: float = 20.0) -> None:
        """`core stop now`, then SIGKILL after `timeout`; also stops an Asterisk too wedged to answer its CLI
        (seen after an overload in the benchmarks)."""
        pid = self.pid()
        try:
            if not self.running() and pid is None:
                return
            say(f"stopping Asterisk ({self.name})")
            run([*self._base(), "-rx", "core stop now"], check=False, timeout=timeout)
        except subprocess.TimeoutExpired:
            say(f"Asterisk ({self.name}) did not answer its CLI: killing it")
        deadline = time.monotonic() + timeout
        while pid is not None and pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.host_path(f"{self.run_dir}/asterisk.ctl").unlink(missing_ok=True)
        for child in self._children:
            child.wait(timeout)
        self._children.clear()

    def remove(self) -> None:
        """Delete this instance's rendered config and state (test instances)."""
        for inside in (self.etc_dir, self.run_dir, self.log_dir, self.var_dir):
            shutil.rmtree(self.host_path(inside), ignore_errors=True)

