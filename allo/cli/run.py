"""`allo run`: set up what is missing, start PostgreSQL and Asterisk, supervise `allo serve` (allo/cli/supervise.py);
stop all on exit."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from allo.auth.roles import Role
from allo.auth.users import DEMO_USERS_FILE, read_demo_users
from allo.cli.supervise import supervisor_for
from allo.settings import Settings
from allo.setup.asterisk import AsteriskInstance, ensure_asterisk_root
from allo.setup.mail_sink import start_mail_sink, stop_mail_sink
from allo.setup.postgres import PostgresCluster
from allo.setup.procs import pid_alive, say
from allo.setup.stack import setup_all


def _run_pidfile(settings: Settings) -> Path:
    return settings.state_dir / "allo-run.pid"


def run_stack(settings: Settings) -> int:
    stack = setup_all(settings)
    announce_demo_admin(settings)
    start_mail_sink(settings)
    pidfile = _run_pidfile(settings)
    pidfile.write_text(str(os.getpid()))
    supervisor = supervisor_for(settings)
    supervisor.install_signals()
    try:
        supervisor.run()
    finally:
        stop_mail_sink(settings)
        stack.asterisk.stop()
        if stack.postgres is not None:
            stack.postgres.stop()
        pidfile.unlink(missing_ok=True)
        say("stopped")
    return 0


def announce_demo_admin(settings: Settings) -> None:
    """Where to sign in, as whom: the demo admin seeded at the first set-up (every `make run`, once)."""
    users = read_demo_users(settings.state_dir)
    admin = next(((name, password) for name, (role, password) in users.items() if role is Role.ADMIN), None)
    url = f"http://{settings.http_host}:{settings.http_port}/login"
    if admin is None:
        say(f"web pages at {url}; no demo admin (create one with `allo users create-admin`)")
        return
    say(f"web pages at {url} — demo admin: username {admin[0]}  password {admin[1]}")
    say(f"(other demo accounts, one per role, in {settings.state_dir / DEMO_USERS_FILE})")


def stop_stack(settings: Settings) -> int:
    """Stop what `allo run` started; also works when the run process is gone."""
    pid = _read_pid(_run_pidfile(settings))
    if pid is not None:
        say(f"asking allo run ({pid}) to stop")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not pid_alive(pid):
            return 0
    stop_mail_sink(settings)
    serve_pid = _read_pid(settings.state_dir / "allo-serve.pid")
    if serve_pid is not None and pid_alive(serve_pid):
        os.kill(serve_pid, signal.SIGTERM)
    root = settings.asterisk_root or ensure_asterisk_root(settings)
    AsteriskInstance(root, settings.asterisk_instance).stop()
    if settings.uses_private_postgres:
        cluster = PostgresCluster.for_state(settings.state_dir, settings.pg_port)
        if cluster.initialised():
            cluster.stop()
    return 0


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None

