"""Secrets never reach a log (app/logs.py redacts tokens): links, sign-in tokens, secret keys,
cookies, and the values of a failed SQL statement."""

import http.client
import http.cookiejar
import json
import logging
import re
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from tests.conftest import Mailbox
from tests.factory import make_secret_key, work
from tests.http import LoopbackPolicy, NoRedirect, status_of
from tests.web.conftest import leaks


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


def test_tokens_never_reach_the_request_log(live_server, caplog):
    caplog.set_level(logging.INFO)
    secret = "s3cretT0kenValue_abcdefghijklmnopqrstuvwxyz0"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{live_server}/verify?token={secret}")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/verify?token=[redacted]" in logged and secret not in logged


def test_no_token_key_or_cookie_reaches_any_log(live_app, live_server, caplog):
    """A whole flow over real HTTP with every logger at DEBUG, SQL echo included: neither a
    link, a sign-in token, a secret key nor a cookie value is written to any log."""
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "app", "flask_limiter", "gunicorn.error", "gunicorn.access"):
        caplog.set_level(logging.DEBUG, logger=name)
    # echo=True's level: statements and their parameters (echo="debug" adds result rows).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    mailbox = Mailbox(live_app)
    jar = http.cookiejar.CookieJar(LoopbackPolicy())
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def form(path: str, **data) -> int:
        page = browser.open(f"{live_server}{path}").read().decode()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        body = urlencode({"csrf_token": csrf, **data}).encode()
        return status_of(browser, f"{live_server}{path.split('?')[0]}", body)

    assert form("/sign-up", email_address="grace@example.com") == 302
    link_token = mailbox.token("grace@example.com")
    assert form(f"/verify?token={link_token}", token=link_token) == 302
    key = make_secret_key(live_app, "logs")
    with work(live_app):
        user_id = db.session.scalar(text("SELECT id FROM users"))
    api = urllib.request.Request(
        f"{live_server}/v1/sign_in_tokens",
        data=json.dumps({"user_id": user_id}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    sign_in_token = json.loads(urllib.request.urlopen(api).read())["token"]
    assert form(f"/accept-token?token={sign_in_token}", token=sign_in_token) == 302
    assert status_of(browser, f"{live_server}/verify?token={link_token}x") == 400
    cookies = [cookie.value for cookie in jar]
    assert {cookie.name for cookie in jar} == {"latchkey_client", "latchkey_session"}
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "/verify?token=[redacted]" in logged and "INSERT INTO" in logged  # it did log
    for secret in (link_token, sign_in_token, key, *cookies):
        assert not leaks(secret, logged), secret


def test_a_code_never_reaches_any_log(live_app, live_server, caplog):
    """A sign-in by the code from the email (SPEC §10), a wrong code first, every logger at
    DEBUG: the code is in no log line."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    mailbox = Mailbox(live_app)
    jar = http.cookiejar.CookieJar(LoopbackPolicy())
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = browser.open(f"{live_server}/sign-up").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urlencode({"csrf_token": csrf, "email_address": "grace@example.com"}).encode()
    with pytest.raises(urllib.error.HTTPError) as redirect:  # NoRedirect: the 302 itself
        browser.open(f"{live_server}/sign-up", form)
    waiting = urlsplit(redirect.value.headers["Location"]).path
    code = mailbox.code("grace@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for typed, status in ((wrong, 422), (code, 302)):
        body = urlencode({"csrf_token": csrf, "code": typed}).encode()
        assert status_of(browser, f"{live_server}{waiting}/code", body) == status
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "/code" in logged  # it did log the requests
    for secret in (code, wrong):
        assert not re.search(rf"(?<!\d){secret}(?!\d)", logged), secret


def test_a_database_error_does_not_carry_the_statements_values(app):
    # An outbox row holds a live link: if its INSERT failed, the logged error must not show it.
    secret = "https://localhost/verify?token=s3cretT0kenValue_abcdefghijklmnopqrstuvwxyz0"
    with app.app_context(), pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT * FROM no_such_table WHERE body = :body"), {"body": secret})
    assert "no_such_table" in str(caught.value) and secret not in str(caught.value)
