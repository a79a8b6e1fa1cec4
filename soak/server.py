"""Latchkey as it runs in production: gunicorn (gthread) on a PostgreSQL database of its own."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from bench import seed
from bench.run import ROOT, free_port
from soak import checks
from soak.mailserver import Inbox, SmtpServer

WORKERS = 2
# A waiting tab holds a thread for up to 25 s (the long-poll): size for 300 tabs plus the
# flows, whichever worker the kernel hands the connections to (README: "Use gthread").
THREADS = 400
# The 300 tabs all come from loopback and may all land on one worker: raise the long-poll caps
# (defaults 6 per IP, 24 per process) to what a worker can hold, still leaving it threads to spare.
LONG_POLLS = THREADS - 40


def prepare_database(cluster, name: str, users: int) -> tuple[str, Flask]:
    """A fresh database with the migrations applied and `users` users (user{n}@bench.example);
    returns its URL and an app bound to it for the scenario's own reads."""
    url = cluster.create_database(name)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "soak", "MAIL_DELIVERY": "smtp"})
    with app.app_context():
        upgrade()
        seed.users(users)
    return url, app


def serve(
    database_url: str, log: Path, smtp_up: bool = True, smtp_latency: float = 0.0
) -> tuple["Server", SmtpServer, Inbox]:
    """gunicorn mailing through our SMTP server (started now, or when the scenario says)."""
    inbox = Inbox(smtp_latency)
    smtp_port = free_port()
    smtp = SmtpServer(smtp_port, inbox)
    if smtp_up:
        smtp.start()
    server = Server(database_url, log, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port))
    server.start()
    return server, smtp, inbox


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, of its live children and of the children it has reaped (so a
    gunicorn master counts its workers, a postmaster its backends, live or gone)."""

    def times(process: int, reaped: bool) -> float:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0  # gone in the meantime
        used = int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            used += int(fields[13]) + int(fields[14])  # cutime, cstime
        return used / _TICK

    children = Path(f"/proc/{pid}/task/{pid}/children")
    live = children.read_text().split() if children.exists() else []
    return times(pid, True) + sum(times(int(child), False) for child in live)


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idling, since boot (/proc/stat)."""
    fields = [int(field) for field in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / _TICK


class CpuMeter:
    """CPU seconds spent between start() and stop() by the app's workers, PostgreSQL, this
    process (the simulated browsers and the SMTP server) and everything else on the machine."""

    def __init__(self, server: "Server", cluster):
        self.server, self.cluster = server, cluster

    def read(self) -> dict[str, float]:
        used = {
            "gunicorn": cpu_seconds(self.server.process.pid),
            "postgres": cpu_seconds(self.cluster.pid()),
            "soak": sum(os.times()[:2]),
        }
        used["others"] = machine_busy_seconds() - sum(used.values())
        return used

    def start(self) -> None:
        self.began, self.before = time.monotonic(), self.read()

    def stop(self) -> tuple[float, dict[str, float]]:
        """(seconds elapsed, CPU seconds used by each)."""
        after = self.read()
        return time.monotonic() - self.began, {k: after[k] - self.before[k] for k in after}


def dispose(app: Flask) -> None:
    """Close the scenario's own database connections."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Server:
    """`gunicorn -k gthread` with the scenario's environment; its log goes to a file."""

    def __init__(self, database_url: str, log: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PUBLIC_URL": self.url,
            "RATELIMIT_ENABLED": "false",  # one IP sends everything: the limits are not tested
            "LONG_POLLS_PER_IP": str(LONG_POLLS),
            "LONG_POLLS_PER_PROCESS": str(LONG_POLLS),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "gthread",
            "-w",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--graceful-timeout",
            "5",
            "-b",
            f"127.0.0.1:{self.port}",
            "wsgi:app",
        ]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while len(self.workers()) < WORKERS or not self.healthy():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start: see {self.log}")
            time.sleep(0.2)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(child) for child in children.read_text().split()] if children.exists() else []

    def kill_worker(self, pid: int) -> None:
        """SIGKILL: no clean-up at all, as when the kernel's OOM killer or a crash ends it."""
        os.kill(pid, signal.SIGKILL)

    def cli(self, *args: str) -> str:
        """`flask --app wsgi …` with the server's environment, as an operator would run it."""
        command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
        done = subprocess.run(
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def end_state(app: Flask, sign_ins) -> tuple[dict[str, int], dict[str, int]]:
    """How the sign-ins ended, and the outbox's counts, read from the database; then close the
    scenario's own connections."""
    with app.app_context():
        outcomes = checks.sign_in_outcomes([s.attempt_id for s in sign_ins if s.attempt_id])
        outbox = checks.outbox_counts()
    dispose(app)
    return outcomes, outbox
