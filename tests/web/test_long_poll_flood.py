"""A flood of long-polls leaves the server answering: real gunicorn (one worker, 8 threads),
polls sent from many connections at once, and /healthz asked while they are held."""

import http.client
import urllib.request
from contextlib import ExitStack

import pytest

from tests.servers import THREADS
from tests.servers import gunicorn as serve

WAIT = 25  # what waiting.js asks: without the caps each poll would hold a thread this long


class Server:
    """A running gunicorn: is /healthz answered, and a poll sent from a chosen address."""

    def __init__(self, url: str):
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])

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


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """Start `gunicorn -k gthread -w 1 --threads 8` on the test database, with extra
    environment: gunicorn(NAME=value, ...)."""
    with ExitStack() as running:

        def start(**env: str) -> Server:
            env = {"DATABASE_URL": database_url, "SECRET_KEY": "flood", **env}
            env.setdefault("MAIL_DELIVERY", "dev_mailbox")
            return Server(running.enter_context(serve(env, tmp_path / "gunicorn.log")))

        yield start


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
