"""Deployment mistakes that must not open the site (security review, finding 2): no mail
configured, a reverse proxy on the same host, proxy headers nobody said to trust."""

import logging
import re
import urllib.error
import urllib.request

import pytest
from flask import request

from tests.conftest import Mailbox
from tests.http import browser_opener
from tests.servers import gunicorn

PROXY_HEADERS = [
    {"X-Forwarded-For": "203.0.113.9"},
    {"X-Forwarded-Proto": "https"},
    {"X-Forwarded-Host": "login.example.test"},
    {"Forwarded": "for=203.0.113.9;proto=https"},
]


def test_outside_debug_the_dev_mailbox_is_served_only_when_named(make_app):
    """Forgetting MAIL_SERVER used to serve every sign-in link at /dev/mailbox: now the app
    will not start, unless debug mode (or tests) or MAIL_DELIVERY=dev_mailbox says so."""
    with pytest.raises(ValueError, match="MAIL_SERVER.*MAIL_DELIVERY=dev_mailbox"):
        make_app(TESTING=False, MAIL_DELIVERY=None)
    debug = make_app(TESTING=False, DEBUG=True, MAIL_DELIVERY=None)
    assert debug.config["MAIL_DELIVERY"] == "dev_mailbox"

    smtp = make_app(TESTING=False, MAIL_DELIVERY=None, MAIL_SERVER="127.0.0.1")
    assert smtp.config["MAIL_DELIVERY"] == "smtp"
    assert smtp.test_client().get("/dev/mailbox").status_code == 404
    named = make_app(TESTING=False, MAIL_DELIVERY="dev_mailbox")
    assert named.test_client().get("/dev/mailbox").status_code == 200  # from this machine


@pytest.mark.parametrize("headers", PROXY_HEADERS)
@pytest.mark.parametrize("debug", [False, True])
def test_the_dev_mailbox_refuses_requests_that_came_through_a_proxy(make_app, headers, debug):
    """A proxy on this machine makes every visitor's request come from loopback."""
    client = make_app(DEBUG=debug).test_client()
    assert client.get("/dev/mailbox").status_code == 200
    assert client.get("/dev/mailbox", headers=headers).status_code == 404


def untrusted_proxy_warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "TRUSTED_PROXIES" in r.getMessage()
    ]


def test_x_forwarded_headers_without_trusted_proxies_are_warned_of_once(make_app, caplog):
    client = make_app(EMAIL_REQUESTS_PER_IP="30 per minute").test_client()
    client.get("/healthz")
    client.get("/healthz", headers={"Forwarded": "for=203.0.113.9"})  # not what ProxyFix reads
    assert untrusted_proxy_warnings(caplog) == []
    for headers in PROXY_HEADERS * 2:
        client.get("/healthz", headers=headers)
    [warning] = untrusted_proxy_warnings(caplog)
    assert "every visitor then shares the proxy's IP" in warning
    assert "30 per minute" in warning and "Set TRUSTED_PROXIES" in warning

    trusted = make_app(TRUSTED_PROXIES=1).test_client()
    trusted.get("/healthz", headers=PROXY_HEADERS[0])
    assert len(untrusted_proxy_warnings(caplog)) == 1


def seen_host(app, headers: dict) -> str:
    """The host the app believes a request was sent to."""
    app.add_url_rule("/probe-host", "probe_host", lambda: request.host)
    return app.test_client().get("/probe-host", headers=headers).get_data(as_text=True)


def test_x_forwarded_host_is_believed_only_with_trust_forwarded_host(make_app):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example"}
    assert seen_host(make_app(TRUSTED_PROXIES=1), headers) == "localhost"
    trusting = make_app(TRUSTED_PROXIES=1, TRUST_FORWARDED_HOST=True)
    assert seen_host(trusting, headers) == "evil.example"


def test_behind_a_tls_proxy_forms_work_and_cookies_are_secure(app, database_url, tmp_path):
    """gunicorn behind one trusted proxy that ends TLS: the proxy says https, the browser sends
    Origin and (from a token page) no Referer, the cookies are Secure."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "proxy-test",
        "MAIL_DELIVERY": "dev_mailbox",
        "TRUSTED_PROXIES": "1",
        "PUBLIC_URL": "https://login.example.test",
    }
    proxy = {
        "Host": "login.example.test",
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "Origin": "https://login.example.test",
    }
    browser = browser_opener()

    def send(request: urllib.request.Request):
        try:
            return browser.open(request)
        except urllib.error.HTTPError as answer:  # a redirect too: it is answered, not followed
            return answer

    with gunicorn(env, tmp_path / "gunicorn.log") as url:

        def post(page: str, form: str):
            """GET the page through the proxy, then POST its form with its CSRF token."""
            shown = send(urllib.request.Request(f"{url}{page}", headers=proxy)).read().decode()
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', shown).group(1)
            body = f"csrf_token={csrf}&{form}".encode()
            return send(urllib.request.Request(f"{url}{page.split('?')[0]}", body, headers=proxy))

        started = post("/sign-up", "email_address=ada%40example.com")
        assert started.status == 302, started.read()
        link = Mailbox(app).link("ada@example.com")
        assert link.startswith("https://login.example.test/verify?token=")
        token = link.split("token=", 1)[1]
        confirmed = post(f"/verify?token={token}", f"token={token}")
        assert confirmed.status == 302, confirmed.read()
        cookies = confirmed.headers.get_all("Set-Cookie")
        [session] = [c for c in cookies if c.startswith("latchkey_session=")]
        assert "Secure" in session
