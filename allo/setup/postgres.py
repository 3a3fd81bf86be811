"""A private PostgreSQL cluster on a non-default port, owned by the `postgres` system user."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from allo.errors import SetupError
from allo.setup.procs import as_user, require, run, say

PG_USER = "postgres"


def pg_bin() -> Path:
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    raise SetupError("PostgreSQL server binaries not found (Debian package postgresql-15)")


def _ensure_pg_installed() -> None:
    try:
        pg_bin()
    except SetupError:
        require("pg_ctlcluster", "postgresql-15")
        pg_bin()


@dataclass(frozen=True)
class PostgresCluster:
    data_dir: Path
    port: int

    @classmethod
    def for_state(cls, state_dir: Path, port: int) -> PostgresCluster:
        """`<state>/pg`, or, when the postgres user cannot reach the state dir, a linked dir it can reach."""
        wanted = (state_dir / "pg").absolute()
        if wanted.is_symlink():
            return cls(wanted.resolve(), port)
        if os.geteuid() == 0 and not _reachable_by_postgres(state_dir.absolute()):
            digest = hashlib.sha256(str(wanted).encode()).hexdigest()[:10]
            real = Path("/var/lib/allo") / f"pg-{digest}"
            real.parent.mkdir(parents=True, exist_ok=True)
            wanted.parent.mkdir(parents=True, exist_ok=True)
            wanted.symlink_to(real)
            return cls(real, port)
        return cls(wanted, port)

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    def _pg(self, tool: str, *args: str, timeout: float = 60.0, check: bool = True) -> str:
        cmd = as_user(PG_USER, [str(pg_bin() / tool), *args])
        return run(cmd, timeout=timeout, check=check).stdout

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        if self.initialised():
            return
        _ensure_pg_installed()
        say(f"creating PostgreSQL cluster in {self.data_dir}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, PG_USER, PG_USER)
        self.data_dir.chmod(0o700)
        self._pg("initdb", "-D", str(self.data_dir), "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                 "--auth-local=peer", "--auth-host=scram-sha-256", timeout=120)
        with (self.data_dir / "postgresql.auto.conf").open("a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\n")
            conf.write("fsync = on\nmax_connections = 200\nshared_buffers = 128MB\n")

    def running(self) -> bool:
        out = run(as_user(PG_USER, [str(pg_bin() / "pg_ctl"), "-D", str(self.data_dir), "status"]),
                  check=False)
        return out.returncode == 0

    def start(self) -> None:
        if self.running():
            return
        say(f"starting PostgreSQL on 127.0.0.1:{self.port}")
        self._pg("pg_ctl", "-D", str(self.data_dir), "-l", str(self.data_dir / "server.log"), "-w", "-t", "60",
                 "-o", f"-p {self.port} -k {self.socket_dir}", "start", timeout=90)

    def stop(self, mode: str = "fast") -> None:
        if self.initialised() and self.running():
            say("stopping PostgreSQL")
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop", timeout=90)

    def destroy(self) -> None:
        """Stop and delete the cluster (test clusters)."""
        self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._pg("psql", "-h", str(self.socket_dir), "-p", str(self.port), "-d", database,
                        "-v", "ON_ERROR_STOP=1", "-tAc", sql)

    def ensure_database(self, password: str, user: str = "allo", database: str = "allo") -> None:
        """Role and database for the application; the password is re-applied so a new secret works."""
        if "'" in password:
            raise SetupError("the database password must not contain a quote")
        # Names are our constants and the password is generated (quote refused above): no injection.
        exists = self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'").strip()  # noqa: S608
        verb = "ALTER" if exists else "CREATE"
        self.psql(f"{verb} ROLE {user} LOGIN PASSWORD '{password}'")
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'").strip():  # noqa: S608
            say(f"creating database {database}")
            self.psql(f"CREATE DATABASE {database} OWNER {user}")

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = run(as_user(PG_USER, [str(pg_bin() / "pg_isready"), "-h", str(self.socket_dir),
                                          "-p", str(self.port)]), check=False)
            if probe.returncode == 0:
                return
            time.sleep(0.2)
        raise SetupError("PostgreSQL did not become ready")


def _reachable_by_postgres(path: Path) -> bool:
    probe = run(as_user(PG_USER, ["test", "-w", str(path)]), check=False)
    return probe.returncode == 0 or run(as_user(PG_USER, ["test", "-x", str(path)]), check=False).returncode == 0
