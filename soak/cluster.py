"""A throwaway PostgreSQL 15 cluster on loopback: start, restart (a fault), one database per run."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from bench.run import free_port

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))


class Cluster:
    """initdb in a temporary folder, served on 127.0.0.1 only, its socket kept in that folder
    so that it never meets the system's own cluster. fsync is off: the data is thrown away."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="latchkey-soak-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PGBIN / tool), *args]
        if os.geteuid() == 0:  # initdb refuses root
            shutil.chown(self.dir, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def _options(self) -> str:
        return f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"

    def start(self) -> None:
        self._run(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
            *("--locale=C.UTF-8", "--no-sync"),
        )
        self._server("start")

    def restart(self) -> None:
        """Stop (fast: every connection is cut, as when the server goes down) and start again."""
        self._server("-m", "fast", "restart")

    def _server(self, *action: str) -> None:
        """pg_ctl start or restart, waiting until the server answers, logging to the folder."""
        log = str(self.dir / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", self._options(), *action)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def pid(self) -> int:
        """The postmaster's process id."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
