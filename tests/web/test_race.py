"""Twenty requests racing for one link over real HTTP: exactly one wins."""

import re
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, Session
from tests.conftest import LINK, Auth, Mailbox, free_port, serving
from tests.http import (
    browser_opener,
    cookie_header,
    plain_opener,
    race,
    race_bodies,
    race_requests,
    status_of,
)


def test_twenty_racing_posts_of_one_link_make_exactly_one_session(live_server, live_app, mailbox):
    opener = browser_opener()
    page = opener.open(f"{live_server}/sign-up").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": "grace@example.com"})
    assert status_of(opener, f"{live_server}/sign-up", form.encode()) == 302
    token = mailbox.token("grace@example.com")
    body = urllib.parse.urlencode({"csrf_token": csrf, "token": token}).encode()
    assert race(opener, f"{live_server}/verify", body) == [302] + [410] * 19
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Session)) == 1


def test_twenty_racing_sign_ups_for_one_address_send_only_its_quota(live_server, live_app):
    opener = browser_opener()
    page = opener.open(f"{live_server}/sign-up").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": "grace@example.com"})
    statuses = race(opener, f"{live_server}/sign-up", form.encode())
    quota = live_app.config["EMAILS_PER_ADDRESS"]
    assert statuses == [302] * quota + [429] * (20 - quota)
    with live_app.app_context():
        sent = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.to_normalized == "grace@example.com")
        )
    assert sent == quota


def test_thirty_racing_sign_ups_from_thirty_networks_send_only_the_total(make_app):
    # Each racer has its own network (through a trusted proxy) and its own quota: only the
    # overall cap stops them, and it holds under the race too.
    port = free_port()
    app = make_app(LIVE_PORT=port, PUBLIC_URL=f"http://127.0.0.1:{port}", TRUSTED_PROXIES=1)
    with serving(app) as server:
        opener = browser_opener()
        page = opener.open(f"{server}/sign-up").read().decode()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": "grace@example.com"})
        requests = [
            urllib.request.Request(
                f"{server}/sign-up", form.encode(), headers={"X-Forwarded-For": f"192.0.2.{n}"}
            )
            for n in range(30)
        ]
        statuses = race_requests(opener, requests)
    total = app.config["EMAILS_PER_ADDRESS_TOTAL"]
    assert statuses == [302] * total + [429] * (30 - total)
    with app.app_context():
        sent = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert sent == total


RACERS = 20


def test_one_browser_spending_several_links_at_once_gets_no_error(make_app, auth):
    # Two tabs, or a double-clicked email client: links of one person, spent at the same moment
    # from one browser. Each spend ends the browser's previous session and makes its own.
    port = free_port()
    app = make_app(LIVE_PORT=port, PUBLIC_URL=f"http://127.0.0.1:{port}", RATELIMIT_ENABLED=False)
    mailbox = Mailbox(app)
    with serving(app) as server:
        Auth(app.test_client(), mailbox).sign_up("grace@example.com")  # another browser
        browser = browser_opener()
        page = browser.open(f"{server}/sign-in").read().decode()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": "grace@example.com"})
        for _ in range(RACERS):
            assert status_of(browser, f"{server}/sign-in", form.encode()) == 302
        tokens = [LINK.search(m.text_body).group(0).split("token=")[1] for m in mailbox.messages()]
        bodies = [urllib.parse.urlencode({"csrf_token": csrf, "token": t}).encode() for t in tokens]
        # The cookies as they are now, for every racer: the first spend changes the jar's.
        cookie = {"Cookie": cookie_header(browser)}
        statuses = race_bodies(plain_opener(), f"{server}/verify", bodies[1:], cookie)
    assert statuses == [302] * RACERS
    with app.app_context():
        active = select(func.count()).select_from(Session).where(Session.status == "active")
        assert db.session.scalar(active) == 2  # the other browser's, and this one's
