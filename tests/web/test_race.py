"""Twenty requests racing for one link over real HTTP: exactly one wins."""

import re
import urllib.parse

from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, Session
from tests.http import browser_opener, race, status_of


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
