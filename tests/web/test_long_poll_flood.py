"""A flood of long-polls leaves the server answering: real gunicorn (one worker, 8 threads),
polls sent from many connections at once, and /healthz asked while they are held."""

import http.client
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8
WAIT = 25  # what waiting.js asks: without the caps each poll would hold a thread this long


class Gunicorn:
    """`gunicorn -k gthread -w 1 --threads 8` on a migrated SQLite file of its own."""

    def __init__(self, tmp_path: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        database_url = f"sqlite:///{tmp_path / 'flood.sqlite3'}"
        app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "flood"})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "flood",
            "PUBLIC_URL": self.url,
            "MAIL_DELIVERY": "dev_mailbox",
            **env,
        }
        self.log = (tmp_path / "gunicorn.log").open("w")
        command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "1"]
        command += ["--threads", str(THREADS), "--graceful-timeout", "1"]
        command += ["-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while not self.healthy(timeout=2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start: see {self.log.name}")
            time.sleep(0.2)

    def healthy(self, timeout: float) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=timeout) as response:
                return response.status == 200
        except OSError:
            return False

    def send(self, path: str, cookie: str, source: str) -> http.client.HTTPConnection:
        """A GET sent on a connection of its own from `source` (any 127.x.y.z is this machine),
        not yet answered: when this returns, the server has the whole request."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(source, 0)
        )
        connection.request("GET", path, headers={"Cookie": cookie, "Accept": "application/json"})
        return connection

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn with extra environment: gunicorn(NAME=value, ...)."""
    servers = []

    def start(**env: str) -> Gunicorn:
        servers.append(Gunicorn(tmp_path, **env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def flood(server, tabs, polls_per_tab: int, sources: list[str]) -> list:
    """Send every tab's long-polls, all before any is answered; the open connections."""
    return [
        server.send(tab.poll_path(tab.current["version"], WAIT), tab.cookie(), source)
        for _ in range(polls_per_tab)
        for tab, source in zip(tabs, sources, strict=True)
    ]


def answers(connections) -> list[tuple[int, str | None]]:
    """Each poll's status and Retry-After, waiting for the ones still held."""
    found = []
    for connection in connections:
        response = connection.getresponse()
        response.read()
        found.append((response.status, response.getheader("Retry-After")))
        connection.close()
    return found


def test_many_polls_on_one_attempt_leave_the_server_answering(gunicorn, waiting_tab):
    server = gunicorn()
    tab = waiting_tab(server.url, "grace@example.com")
    polls = flood(server, [tab], polls_per_tab=3 * THREADS, sources=["127.0.0.1"])
    # Answered at all while the polls are out (each asked to be held 25 s): the timeout only
    # bounds how long a failing run takes.
    assert server.healthy(timeout=15)
    tab.cancel()  # ends the one poll still held
    found = answers(polls)
    assert all(status == 200 for status, _ in found)
    # Each newer poll let the one before it go: only the last one held waited for the change.
    retries = [retry for _, retry in found]
    assert retries.count(None) == 1 and retries.count("5") == len(polls) - 1


@pytest.mark.parametrize(
    "cap, sources",
    [
        # Ten browsers behind one address: held to LONG_POLLS_PER_IP (6).
        ("LONG_POLLS_PER_IP", ["127.0.0.1"] * 10),
        # Ten addresses, as a botnet would have: held to LONG_POLLS_PER_PROCESS, set, as the
        # README says, a few below --threads.
        ("LONG_POLLS_PER_PROCESS", [f"127.0.0.{n}" for n in range(2, 12)]),
    ],
)
def test_many_attempts_polled_leave_the_server_answering(gunicorn, waiting_tab, cap, sources):
    limit = 6 if cap == "LONG_POLLS_PER_IP" else THREADS - 3
    server = gunicorn(**{cap: str(limit)})
    tabs = [waiting_tab(server.url, f"user{n}@example.com") for n in range(len(sources))]
    polls = flood(server, tabs, polls_per_tab=2, sources=sources)
    assert server.healthy(timeout=15)
    for tab in tabs:
        tab.cancel()
    found = answers(polls)
    assert all(status == 200 for status, _ in found)
    held = [retry for _, retry in found if retry is None]
    assert len(held) == limit  # the rest were answered at once, told to come back later
