"""Codes racing over real HTTP (SPEC §10): of twenty tries at one attempt exactly one signs in,
exactly five wrong codes are counted, and a code racing its own link leaves one winner."""

import json
import random
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attempt, EmailLink, Session, User
from tests.conftest import Mailbox, free_port, serving
from tests.factory import make_user
from tests.http import browser_opener, cookie_header, plain_opener, status_of

RACERS = 20
RIGHT = 16  # of the first race's racers; the rest type a wrong code
ROUNDS = 10  # of the link against the code: either may be first, so each order gets its turns


@pytest.fixture
def racing_app(make_app):
    # Twenty codes from one IP within a second: the per-IP limit (CODE_REQUESTS_PER_IP, 10 a
    # minute) would answer half of them 429 before they reach the attempt, and the race would
    # be the limiter's. Only that limit is raised: the other per-IP limits, the email quotas
    # and the address's daily allowance of wrong codes (WRONG_CODES_PER_ADDRESS, 10) stay on;
    # the five counted wrong codes stay under it.
    port = free_port()
    return make_app(
        LIVE_PORT=port,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        SERVER_NAME=None,
        DEBUG=False,
        CODE_REQUESTS_PER_IP="1000 per minute",
    )


@pytest.fixture
def server(racing_app):
    with serving(racing_app) as url:
        yield url


@dataclass
class Tab:
    """A browser's waiting tab: the attempt it started, and the cookies and CSRF token it had
    then (every racer sends those: the winner's sign-in rotates the jar's session cookie)."""

    server: str
    flow: str
    attempt_id: str
    csrf: str
    cookie: str

    def code_request(self, code: str, api: bool = False) -> urllib.request.Request:
        if api:
            path = f"/api/{self.flow}s/{self.attempt_id}/code"
            body = json.dumps({"code": code}).encode()
            headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        else:
            path = f"/{self.flow}/{self.attempt_id}/code"
            body = urllib.parse.urlencode({"csrf_token": self.csrf, "code": code}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return urllib.request.Request(
            self.server + path, body, headers={**headers, "Cookie": self.cookie}
        )

    def verify_request(self, token: str) -> urllib.request.Request:
        """The link opened in another tab of this browser: it needs no number."""
        body = urllib.parse.urlencode({"csrf_token": self.csrf, "token": token}).encode()
        return urllib.request.Request(
            f"{self.server}/verify", body, headers={"Cookie": self.cookie}
        )


def start(server: str, flow: str, email: str) -> Tab:
    """A new browser submits `email` on /sign-in or /sign-up and lands on its waiting page."""
    opener = browser_opener()
    page = opener.open(f"{server}/{flow}").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": email}).encode()
    try:
        opener.open(f"{server}/{flow}", form)
        raise AssertionError(f"{flow} did not redirect to its waiting page")
    except urllib.error.HTTPError as redirect:  # the opener answers redirects, not follows
        assert redirect.code == 302, redirect.read()[:2000]
        attempt_id = redirect.headers["Location"].rsplit("/", 1)[1]
    return Tab(server, flow, attempt_id, csrf, cookie_header(opener))


def race_answers(requests: list[urllib.request.Request]) -> list[tuple[int, str]]:
    """Send each request from a thread of its own, all released at once (as tests/http.py's
    race_requests); their (status, what the answer says), in the order of `requests`."""
    answers, barrier = [None] * len(requests), threading.Barrier(len(requests))

    def send(n: int):
        barrier.wait()
        try:
            with plain_opener().open(requests[n]) as response:
                answers[n] = (response.status, "")
        except urllib.error.HTTPError as error:  # a redirect too: the opener does not follow
            body = error.read().decode("utf-8", "replace")
            answers[n] = (error.code, said(body) if error.code >= 400 else "")

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def tally(answers: list[tuple[int, str]]) -> str:
    """The answers counted, for an assertion's message: "302 '' × 1; 410 'This code…' × 19"."""
    counted = sorted(Counter(answers).items())
    return "; ".join(f"{status} {text!r} × {n}" for (status, text), n in counted)


def said(body: str) -> str:
    """The message of an error page (its status line or field error) or of a JSON error."""
    if body.startswith("{"):
        [error] = json.loads(body)["errors"]
        return f"{error['code']}: {error['message']}"
    # The refusal first: a waiting page that refuses a code also shows its own status line.
    for kind in ("field-error", 'flash[^"]*', "status"):
        found = re.search(rf'class="(?:{kind})"[^>]*>\s*([^<]+)', body)
        if found:
            return unescape(found.group(1)).strip()
    return body[:300]


def wrong_codes(right: str, count: int) -> list[str]:
    return [f"{(int(right) + n) % 10**6:06d}" for n in range(1, count + 1)]


def attempt_row(app, attempt_id: str) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge_all()
        return attempt


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("api", [False, True], ids=["form", "api"])
def test_twenty_racing_codes_for_one_attempt_sign_in_exactly_once(server, racing_app, api):
    user_id = make_user(racing_app, "ada@example.com")
    tab = start(server, "sign-in", "ada@example.com")
    code = Mailbox(racing_app).code("ada@example.com")
    codes = [code] * RIGHT + wrong_codes(code, RACERS - RIGHT)
    random.Random(14).shuffle(codes)

    answers = race_answers([tab.code_request(c, api) for c in codes])

    signed_in = 200 if api else 302
    assert [status for status, _ in answers].count(signed_in) == 1, tally(answers)
    # The other right codes: used a moment ago (410). The wrong ones: wrong (422), or the
    # attempt is complete (410). Never a 5xx, never a right code answered as a wrong one.
    right = [answer for c, answer in zip(codes, answers, strict=True) if c == code]
    wrong = [answer for c, answer in zip(codes, answers, strict=True) if c != code]
    assert {status for status, _ in right} <= {signed_in, 410}, tally(right)
    assert {status for status, _ in wrong} <= {410, 422}, tally(wrong)
    assert all("isn't right" in text for status, text in wrong if status == 422), tally(wrong)
    attempt = attempt_row(racing_app, tab.attempt_id)
    assert (attempt.status, attempt.user_id) == ("complete", user_id)
    assert attempt.verified_from_same_client
    # Each wrong code answered 422 took a try; the right one gave its try back.
    assert attempt.code_failures == [status for status, _ in wrong].count(422), tally(wrong)
    assert count(racing_app, Session) == 1
    assert count(racing_app, Session, Session.user_id == user_id) == 1
    with racing_app.app_context():
        links = db.session.scalars(
            select(EmailLink.status).where(EmailLink.attempt_id == tab.attempt_id)
        ).all()
    assert links == ["consumed"]  # link and code are one credential


@pytest.mark.parametrize("api", [False, True], ids=["form", "api"])
def test_twenty_racing_wrong_codes_count_exactly_five_and_fail_the_attempt_once(
    server, racing_app, api
):
    make_user(racing_app, "ada@example.com")
    tab = start(server, "sign-in", "ada@example.com")
    mailbox = Mailbox(racing_app)
    code = mailbox.code("ada@example.com")
    # Twenty different wrong codes, as a guesser would send them.
    codes = wrong_codes(code, RACERS)

    answers = race_answers([tab.code_request(c, api) for c in codes])

    # Wrong (422, five of them at least: each counted one says so), or the attempt failed
    # already (410). Never a 5xx, never a 429: the address's allowance saw five wrong codes.
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {410, 422}, tally(answers)
    assert statuses.count(422) >= 5, tally(answers)
    attempt = attempt_row(racing_app, tab.attempt_id)
    assert attempt.code_failures == 5
    assert (attempt.status, attempt.closed_reason) == ("abandoned", "too_many_codes")
    assert attempt.completed_at is None and attempt.cancelled_at is not None

    # The right code is refused now, and the link with it (SPEC §10: "link included").
    assert status_of(plain_opener(), tab.code_request(code, api)) == 410
    assert status_of(plain_opener(), tab.verify_request(mailbox.token("ada@example.com"))) == 410
    attempt = attempt_row(racing_app, tab.attempt_id)
    assert (attempt.status, attempt.code_failures) == ("abandoned", 5)
    assert count(racing_app, Session) == 0


def test_a_link_racing_its_own_code_has_exactly_one_winner(server, racing_app):
    # A person who opens the link in another tab while typing the code in the waiting one:
    # the same browser spends one credential twice at once. A sign-up, so both also race to
    # make the account.
    mailbox = Mailbox(racing_app)
    for round_ in range(ROUNDS):
        email = f"grace{round_}@example.com"
        tab = start(server, "sign-up", email)
        requests = [tab.verify_request(mailbox.token(email)), tab.code_request(mailbox.code(email))]
        if round_ % 2:
            requests.reverse()  # which thread starts first, in turn

        answers = race_answers(requests)

        # One signs in (302 either way); the other finds its credential spent (410).
        assert sorted(status for status, _ in answers) == [302, 410], (round_, tally(answers))
        attempt = attempt_row(racing_app, tab.attempt_id)
        assert attempt.status == "complete" and attempt.verified_from_same_client
        assert attempt.code_failures == 0
        assert count(racing_app, User, User.id == attempt.user_id) == 1
        assert count(racing_app, Session, Session.user_id == attempt.user_id) == 1
    assert count(racing_app, User) == ROUNDS
    assert count(racing_app, Session) == ROUNDS
