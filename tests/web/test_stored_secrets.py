"""Secrets at rest (issue 6): the database keeps only hashes of links, sign-in tokens,
secret keys and cookies."""

import hashlib
import re
import time

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import EmailLink
from tests.factory import make_secret_key, work
from tests.web.conftest import leaks, post_form, received, v1


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


def test_tokens_are_stored_only_as_hashes(app, auth, mailbox):
    auth.start("sign-up", "grace@example.com")
    token = mailbox.token("grace@example.com")
    with app.app_context():
        assert db.session.scalar(select(EmailLink.token_hash)) != token
        for table in ("email_links", "attempts", "audit_events", "clients", "sessions"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
            assert token not in repr(rows), table


def link_in(message) -> str:
    return re.search(r"/verify\?token=([\w-]+)", message.get_body(("plain",)).get_content())[1]


def test_the_database_keeps_only_hashes_of_every_secret(smtp):
    """After every kind of secret has been made and used: link tokens (spent and pending),
    sign-in tokens (accepted and pending), a secret key, client and session cookies. Every
    column of every table is read: none holds a secret or 16 characters of one, and each
    one's SHA-256 is there (so the test read the right rows)."""
    app, inbox = smtp
    laptop, phone = app.test_client(), app.test_client()
    post_form(laptop, "/sign-up", email_address="grace@example.com")
    spent_link = link_in(received(inbox, 1)[0][1])
    laptop.get(f"/verify?token={spent_link}")
    assert post_form(laptop, "/verify", token=spent_link).status_code == 302
    post_form(laptop, "/user/email-addresses", email_address="work@example.com")
    pending_link = link_in(received(inbox, 2)[1][1])
    key = make_secret_key(app, "rest")
    with work(app):
        user_id = db.session.scalar(text("SELECT id FROM users"))
    tokens = [
        v1(laptop, key, "POST", "/sign_in_tokens", {"user_id": user_id}).get_json()["token"]
        for _ in range(2)
    ]
    assert post_form(phone, "/accept-token", token=tokens[0]).status_code == 302
    cookies = [
        browser.get_cookie(name).value
        for browser in (laptop, phone)
        for name in ("latchkey_client", "latchkey_session")
    ]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with work(app):  # delivered: the outbox forgets the bodies
            if db.session.scalars(text("SELECT status FROM outbox")).all() == ["sent"] * 2:
                break
        time.sleep(0.02)
    with work(app):
        dump = "\n".join(
            repr(db.session.execute(text(f"SELECT * FROM {table}")).all())
            for table in db.inspect(db.engine).get_table_names()
        )
    for secret in (spent_link, pending_link, key, *tokens, *cookies):
        assert not leaks(secret, dump), secret
    for secret in (spent_link, pending_link, key, *tokens, cookies[0], cookies[2]):
        assert hashlib.sha256(secret.encode()).hexdigest() in dump, secret
