"""Fault: gunicorn workers SIGKILLed while many links and sign-in tokens are being spent.

Sign-in tokens are minted through the backend API (/v1, with a secret key made by the CLI),
links come from real email. Each is opened (GET spends nothing), then all are spent at once
(POST /verify, POST /accept-token) and two workers are killed mid-stream. Afterwards every one
must be either spent with its session made, or untouched and still good when tried again:
never spent without a session (the consume and the session are one transaction)."""

import queue
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Attempt, EmailAddress
from soak import checks
from soak.browser import Browser, Recorder, Tab, Unexpected
from soak.flows import SignIn, new_browser, start_sign_in
from soak.mailserver import Inbox
from soak.report import figure
from soak.server import Server, dispose, prepare_database, serve

NAME = "worker killed"
TOKENS = 300
LINKS = 200
CONCURRENCY = 48
KILL_AT = (0.2, 0.55)  # share of the consumes answered when each worker is killed


@dataclass
class Spend:
    kind: str  # "token" or "link"
    object_id: str  # sit_… or sia_…
    token: str
    browser: Browser
    tab: Tab | None = None
    csrf: str = ""
    answered: int | None = None  # the status, or None when the connection was cut

    @property
    def path(self) -> str:
        return "/accept-token" if self.kind == "token" else "/verify"

    def open(self) -> None:
        """The page the link or token leads to (it spends nothing) and its CSRF token."""
        self.tab = self.browser.tab()
        try:
            self.csrf = self.tab.get(f"{self.path}?token={self.token}").csrf_token()
        except Unexpected:
            pass  # recorded: a setup error

    def spend(self, expect=(302,)) -> None:
        try:
            answer = self.tab.post(
                self.path, {"csrf_token": self.csrf, "token": self.token}, expect=expect
            )
            self.answered = answer.status
        except Unexpected:
            self.answered = None


def run(cluster, tmp: Path) -> None:
    url, app = prepare_database(cluster, "soak_kill", TOKENS + LINKS)
    server, smtp, inbox = serve(url, tmp / "kill-gunicorn.log")
    recorder = Recorder()
    try:
        spends = prepare(server, app, inbox, recorder)
        setup_errors = len(recorder.errors())
        first = len(recorder.outcomes)
        kills = spend_all(server, spends)
        consumes = recorder.outcomes[first:]
        deadline = time.monotonic() + 30
        while len(server.workers()) < 2 or not server.healthy():
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not replace its killed workers")
            time.sleep(0.2)
        states, retried = settle(app, spends)
    finally:
        server.stop()
        smtp.stop()
        dispose(app)

    cut = sum(o.status is None for o in consumes)
    wrong = [o for o in consumes if o.status is not None and o.error]
    figure(NAME, "setup errors (mint, sign-in, open)", setup_errors, "= 0", setup_errors == 0)
    figure(NAME, "spends sent (tokens + links)", f"{len(spends)} ({TOKENS} + {LINKS})")
    figure(NAME, "workers SIGKILLed mid-stream", len(kills), "= 2", len(kills) == 2)
    figure(NAME, "spends cut by the kills (no answer)", cut, "> 0", cut > 0)
    figure(NAME, "wrong answers (not 302)", len(wrong), "= 0", not wrong)
    figure(NAME, "spent, with their session", states["spent"])
    figure(
        NAME,
        "untouched, then spent on retry",
        f"{retried} of {states['untouched']}",
        f"= {states['untouched']}",
        retried == states["untouched"],
    )
    figure(
        NAME,
        "half-spent (spent without session, or the reverse)",
        states["half"],
        "= 0",
        states["half"] == 0,
    )


def prepare(server: Server, app, inbox: Inbox, recorder: Recorder) -> list[Spend]:
    secret = server.cli("keys", "create", "soak")
    with app.app_context():
        user_ids = db.session.scalars(
            select(EmailAddress.user_id).where(
                EmailAddress.normalized.in_([f"user{n}@bench.example" for n in range(TOKENS)])
            )
        ).all()
    backend = Browser(server.url, recorder, "soak-backend").tab()
    spends = []
    for user_id in user_ids:
        minted = backend.request(
            "POST",
            "/v1/sign_in_tokens",
            json_body={"user_id": user_id},
            headers={"Authorization": f"Bearer {secret}"},
        ).json()
        browser = new_browser(server.url, recorder, len(spends))
        spends.append(Spend("token", minted["id"], minted["url"].split("token=")[1], browser))

    def start_link(n: int) -> Spend | None:
        sign_in = SignIn(f"user{TOKENS + n}@bench.example", new_browser(server.url, recorder, n))
        try:
            start_sign_in(sign_in, sign_in.browser.tab())
        except Unexpected:
            return None
        token = inbox.wait_for_token(sign_in.email, 30)
        return Spend("link", sign_in.attempt_id, token, sign_in.browser) if token else None

    with ThreadPoolExecutor(16) as pool:
        spends += [spend for spend in pool.map(start_link, range(LINKS)) if spend]
        list(pool.map(Spend.open, spends))
    random.Random(6).shuffle(spends)
    return spends


def spend_all(server: Server, spends: list[Spend]) -> list[int]:
    """Spend everything from CONCURRENCY threads; kill a worker at each KILL_AT share."""
    work: queue.Queue = queue.Queue()
    for spend in spends:
        work.put(spend)
    finished = []

    def spender():
        while True:
            try:
                spend = work.get_nowait()
            except queue.Empty:
                return
            spend.spend()
            finished.append(spend)

    threads = [threading.Thread(target=spender) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    original, kills = server.workers(), []
    for share in KILL_AT:
        while len(finished) < share * len(spends) and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        alive = [pid for pid in original if pid in server.workers()]
        if alive:
            server.kill_worker(alive[0])
            kills.append(alive[0])
    for thread in threads:
        thread.join()
    return kills


def settle(app, spends: list[Spend]) -> tuple[dict, int]:
    """Classify each spend from the database; retry the untouched ones."""
    states = {"spent": 0, "untouched": 0, "half": 0}
    retried = 0
    for spend in spends:
        state = state_of(app, spend)
        states[state] += 1
        if state == "untouched":
            spend.spend()
            retried += spend.answered == 302 and state_of(app, spend) == "spent"
    return states, retried


def state_of(app, spend: Spend) -> str:
    with app.app_context():
        sessions = checks.sessions_by_client()
        if spend.kind == "token":
            spent = checks.token_status(spend.object_id) == "accepted"
            made = sessions.get(checks.client_id_of(spend.browser), 0)
        else:
            attempt_status, link_status = checks.link_state(spend.object_id)
            if (attempt_status == "complete") != (link_status == "consumed"):
                return "half"
            spent = link_status == "consumed"
            client_id = db.session.scalar(
                select(Attempt.client_id).where(Attempt.id == spend.object_id)
            )
            made = sessions.get(client_id, 0)
    if spent and made == 1:
        return "spent"
    if not spent and made == 0:
        return "untouched"
    return "half"
