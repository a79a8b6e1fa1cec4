"""Account enumeration (issue 6): with ENUMERATION_PROTECTION a known and an unknown address
(sign-in), a taken and a free one (sign-up) look the same in status, pages, JSON, emails, SQL and
time; and through "add an email address" (finding 6) a taken address is answered like any
other, its owner is told by email, and no link can move it."""

import re
import statistics
import time

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.conftest import LINK, Auth, csrf_token
from tests.factory import make_user


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


ROUNDS = 30
# Two medians differ by at most this much when both paths do the same work. The floor covers
# a 2-core machine busy with other suites: both paths are measured in alternation, so a slow
# spell slows both, and a median ignores up to half its samples being slow. A real difference
# is work one path does and the other does not, and it shows in every sample of that path:
# an email sent inline (tens of ms) or a sleep of 20 ms fails this bound until the machine is
# about four times slower than usual.
# A single extra query (well under 1 ms on SQLite) is below any timing noise: the
# statement-by-statement comparison below catches that one instead.
FLOOR_SECONDS, RELATIVE = 0.010, 0.5

# flow -> (the kind an attacker wants to tell apart, the kind it must look like)
ENUMERATION_CASES = {
    "sign-in": ("known{}@example.com", "nobody{}@example.com"),
    "sign-up": ("known{}@example.com", "free{}@example.com"),
}


def same_shape(text_: str) -> str:
    """A page or JSON with what differs between any two requests taken out: ids, tokens,
    addresses and times."""
    text_ = re.sub(r"\b(sia|sua|idn|user)_[0-9A-Za-z]{27}\b", "<id>", text_)
    text_ = re.sub(r"[\w.+-]+@example\.com", "<email>", text_)
    text_ = re.sub(r'(id="match-number">)\d\d<', r"\1<number><", text_)  # random, not a tell
    text_ = re.sub(r'"match_number": ?"\d\d"', '"match_number":"<number>"', text_)
    text_ = re.sub(r'(csrf[-_]token"? (?:content|value)=")[^"]+', r"\1<csrf>", text_)
    # Times, and the time a link has left: a page rendered a second later says "9 minutes".
    text_ = re.sub(r"\b\d+ (second|minute)s?\b", "<duration>", text_)
    return re.sub(r"\d{10,}|\d\d:\d\d(:\d\d)?", "<time>", text_)


def test_enumeration_protection_makes_both_cases_indistinguishable(app, client, mailbox):
    """Status, page, JSON, emails sent, SQL statements and time: a known and an unknown address
    (sign-in), a taken and a free one (sign-up) look the same to the person asking."""
    app.config["ENUMERATION_PROTECTION"] = True
    for n in range(ROUNDS + 1):
        make_user(app, f"known{n}@example.com")
    with app.app_context():
        engine = db.engine
    statements = []

    def note(connection, cursor, statement, *args):
        # The admin settings are read at most once a second per process, by whichever request
        # comes: that read says nothing about the address, so it is not compared.
        if "FROM settings" not in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    token = csrf_token(client, "/sign-in")

    def ask(flow, address):
        statements.clear()
        started = time.perf_counter()
        response = client.post(f"/{flow}", data={"csrf_token": token, "email_address": address})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, (flow, address)
        return response.location, elapsed, list(statements)

    try:
        for flow, kinds in ENUMERATION_CASES.items():
            for kind in kinds:  # the first request of a client also makes its row: not timed
                ask(flow, kind.format(ROUNDS))
            seen = {kind: [] for kind in kinds}
            for n in range(ROUNDS):
                order = kinds if n % 2 else kinds[::-1]
                for kind in order:
                    seen[kind].append(ask(flow, kind.format(n)))
            (a, b) = (seen[kind] for kind in kinds)
            # Same answer, same SQL, statement by statement: no lookup only one path does.
            assert {same_shape(r[0]) for r in a + b} == {f"/{flow}/<id>"}
            assert all(r[2] == a[0][2] for r in a + b), flow
            # Same waiting page and JSON.
            pages = [same_shape(client.get(r[0]).get_data(as_text=True)) for r in (a[0], b[0])]
            assert pages[0] == pages[1], flow
            api = [r[0].replace(f"/{flow}/", f"/api/{flow}s/") for r in (a[0], b[0])]
            bodies = [same_shape(client.get(u).get_data(as_text=True)) for u in api]
            assert bodies[0] == bodies[1] and '"status"' in bodies[0], flow
            # Same time, within noise.
            medians = [statistics.median(r[1] for r in rows) for rows in (a, b)]
            bound = max(FLOOR_SECONDS, RELATIVE * min(medians))
            assert abs(medians[0] - medians[1]) <= bound, (flow, medians)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # One email per request, whatever the case (its text explains the situation).
    sent = [m.to_normalized for m in mailbox.messages()]
    assert len(sent) == 4 * (ROUNDS + 1) and len(set(sent)) == 3 * (ROUNDS + 1)


@pytest.fixture
def owner(app, mailbox):
    Auth(app.test_client(), mailbox).sign_up("grace@example.com")
    return "grace@example.com"


@pytest.fixture
def asker(app, client, auth):
    app.config["ENUMERATION_PROTECTION"] = True
    auth.sign_up("mallory@example.com")
    return client


def add(client, email):
    token = csrf_token(client, "/user")
    return client.post("/user/email-addresses", data={"csrf_token": token, "email_address": email})


def answer(client, email):
    """What the asker sees: the status, where it goes, and that page, with ids taken out."""
    response = add(client, email)
    page = client.get(response.location).get_data(as_text=True) if response.location else ""
    flat = same_shape(response.get_data(as_text=True))
    return response.status_code, same_shape(response.location or ""), same_shape(page), flat


def test_a_taken_address_answers_like_an_unknown_one(asker, owner, mailbox):
    assert answer(asker, owner) == answer(asker, "nobody@example.com")
    assert "taken" not in asker.get("/user").get_data(as_text=True)


def test_the_owner_is_told_and_gets_no_link(asker, owner, mailbox):
    add(asker, owner)
    email = mailbox.last(owner)
    assert email.subject == "Someone tried to add your address to another Latchkey account"
    assert "m•••y@example.com" in email.text_body and "nothing changed" in email.text_body
    assert not LINK.search(email.text_body) and not LINK.search(email.html_body)


def test_a_resend_for_a_taken_address_still_sends_no_link(app, asker, owner, mailbox):
    from app import clock

    location = add(asker, owner).location
    clock.travel(31)
    token = csrf_token(asker, "/user")
    assert asker.post(f"{location}/resend", data={"csrf_token": token}).status_code == 302
    emails = mailbox.messages(owner)
    assert len(emails) == 3  # the sign-up link, and two notices
    assert not LINK.search(emails[-1].text_body)


def test_at_the_pending_cap_taken_and_unknown_answer_the_same(asker, owner):
    for i in range(5):
        assert add(asker, f"p{i}@example.com").status_code == 302
    taken, unknown = add(asker, owner), add(asker, "nobody@example.com")
    assert taken.status_code == unknown.status_code == 422
    assert same_shape(taken.get_data(as_text=True)) == same_shape(unknown.get_data(as_text=True))
    assert re.search("unverified addresses", taken.get_data(as_text=True))


def test_without_protection_a_taken_address_is_still_refused(app, asker, owner):
    app.config["ENUMERATION_PROTECTION"] = False
    response = add(asker, owner)
    assert response.status_code == 422
    assert "That email address is taken." in response.get_data(as_text=True)
