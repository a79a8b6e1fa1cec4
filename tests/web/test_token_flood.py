"""A flood of bogus tokens at /verify and /accept-token: limited per IP, and the database stays
small (a counted audit row per kind of rejection, no client rows)."""

import re
import urllib.parse

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Client, Session
from tests.conftest import csrf_token, match_number
from tests.factory import make_user, mint_token
from tests.http import browser_opener, race

LIMIT = 60  # TOKEN_REQUESTS_PER_IP's default


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def bogus_request(app, kind: int, ip: str = "127.0.0.1"):
    """One of the four token routes with a made-up token, from a new cookie-less browser:
    the attacker's cheapest way to be a new client every time."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = ip
    token = f"bogus-{kind}"
    path = "/verify" if kind % 4 < 2 else "/accept-token"
    if kind % 2 == 0:
        return browser.get(path, query_string={"token": token})
    return browser.post(path, data={"csrf_token": csrf_token(browser), "token": token})


def test_a_flood_writes_a_counted_row_per_rejection_no_clients_and_then_gets_429(app, mid_hour):
    answers = [bogus_request(app, kind) for kind in range(LIMIT + 8)]
    assert [a.status_code for a in answers[:LIMIT]] == [400] * LIMIT
    for refused in answers[LIMIT:]:
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert "Too many requests from your network" in refused.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent)).all()
        # link.rejected when opened, link.rejected when consumed, sign_in_token.rejected.
        assert len(rows) == 3
        assert sum(row.times for row in rows) == LIMIT  # every rejection is still counted
        assert all(row.ip == "127.0.0.1" for row in rows)
        assert count(Client) == 0


def test_the_limit_is_per_ip_and_shared_by_get_and_post(make_app):
    app = make_app(TOKEN_REQUESTS_PER_IP="4 per minute")
    assert [bogus_request(app, kind).status_code for kind in range(5)] == [400] * 4 + [429]
    assert bogus_request(app, 0, ip="192.0.2.9").status_code == 400


def test_the_429_page_keeps_the_token_out_of_referers_and_caches(make_app):
    app = make_app(TOKEN_REQUESTS_PER_IP="1 per minute")
    bogus_request(app, 0)
    refused = bogus_request(app, 0)
    assert refused.status_code == 429
    assert refused.headers["Referrer-Policy"] == "no-referrer"
    assert refused.headers["Cache-Control"] == "no-store"


def spend(browser, token):
    number = match_number(browser.application, token)  # a cross-device approval types it
    data = {"csrf_token": csrf_token(browser), "token": token, "number": number}
    return browser.post("/verify", data=data)


def test_racing_bogus_posts_over_http_meet_on_one_counted_row(live_server, live_app, mid_hour):
    browser = browser_opener()
    page = browser.open(f"{live_server}/sign-in").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": csrf, "token": "bogus"}).encode()
    statuses = race(browser, f"{live_server}/verify", body, racers=LIMIT + 5)
    assert statuses == [400] * LIMIT + [429] * 5
    with live_app.app_context():
        [row] = db.session.scalars(select(AuditEvent)).all()
        assert (row.event, row.times, row.details["reason"]) == (
            "link.rejected",
            LIMIT,
            "LinkInvalid",
        )
        assert count(Client) == 0


def test_a_link_gives_a_new_browser_a_client_only_when_it_spends_it(app, auth, mailbox):
    auth.start("sign-up", "grace@example.com")  # the requesting browser's client: 1
    token = mailbox.token("grace@example.com")
    phone, stranger = app.test_client(), app.test_client()
    assert spend(phone, token).status_code == 200  # approved from another device
    assert spend(stranger, token).status_code == 410  # already used
    with app.app_context():
        assert count(Client) == 2


def test_a_new_browser_that_spends_a_token_gets_its_client_and_session(app):
    _, token = mint_token(app, make_user(app, "ada@example.com"))
    browser = app.test_client()
    done = browser.post("/accept-token", data={"csrf_token": csrf_token(browser), "token": token})
    assert done.status_code == 302
    with app.app_context():
        assert count(Client) == 1
        assert db.session.scalar(select(Session.client_id)) == db.session.scalar(select(Client.id))
