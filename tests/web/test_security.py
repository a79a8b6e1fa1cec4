"""Security rules of SPEC §6, attacked from outside: CSRF, redirects, headers, rate limits, logs."""

import logging
import re
import urllib.request

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import EmailLink
from tests.conftest import csrf_token, path_of


def post_routes(app):
    """Every POST route of the app, with placeholder arguments: a new route cannot be missed."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            args = {}
            for name in rule.arguments:
                converter = rule._converters[name]
                choices = getattr(converter, "items", None)
                args[name] = sorted(choices)[0] if choices else "x_id"
            yield rule.build(args)[1]


def test_every_post_route_requires_a_csrf_token(app, client):
    routes = list(post_routes(app))
    assert "/sign-out" in routes and "/verify" in routes and len(routes) >= 8
    for path in routes:
        response = client.post(path, data={"email_address": "grace@example.com", "token": "x"})
        if path.startswith("/v1/"):
            # The backend API takes bearer keys, never cookies: a forged request has no key.
            assert response.status_code == 401, path
            continue
        assert response.status_code == 400, path
        assert "expired or was not sent from this site" in response.get_data(as_text=True) or (
            response.get_json()["errors"][0]["code"] == "malformed_request"
        )


def test_a_token_from_another_session_is_refused(app, client):
    other = app.test_client()
    response = client.post(
        "/sign-up", data={"csrf_token": csrf_token(other), "email_address": "grace@example.com"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\/evil.example",
        "https:evil.example",
        "javascript:alert(document.cookie)",
        "https://localhost.evil.example/",
        "/\r\nLocation: https://evil.example",
        " //evil.example",
    ],
)
@pytest.mark.parametrize("flow", ["sign-in", "sign-up"])
def test_foreign_redirect_urls_are_refused_at_input(client, auth, user_email, flow, target):
    address = user_email if flow == "sign-in" else "grace@example.com"
    response = auth.start(flow, address, redirect_url=target)
    assert response.status_code == 422
    assert "That redirect URL is not allowed." in response.get_data(as_text=True)


def test_an_allowed_origin_may_be_the_redirect(make_app, mailbox):
    app = make_app(ALLOWED_REDIRECT_ORIGINS=["https://shop.example.com"])
    client = app.test_client()
    token = csrf_token(client, "/sign-up")
    client.post(
        "/sign-up",
        query_string={"redirect_url": "https://shop.example.com/welcome"},
        data={"csrf_token": token, "email_address": "grace@example.com"},
    )
    link = path_of(mailbox.link("grace@example.com"))
    client.get(link)
    done = client.post(
        "/verify", data={"csrf_token": csrf_token(client), "token": link.split("=", 1)[1]}
    )
    assert done.location == "https://shop.example.com/welcome"
    assert "https://shop.example.com" in done.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/sign-in", "/sign-up", "/healthz", "/nope"])
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    if response.mimetype == "text/html":
        assert "script-src 'self'" in csp
    else:
        assert csp.startswith("default-src 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_cookies_are_httponly_lax_and_secure_outside_debug(client, auth):
    response = auth.start("sign-up", "grace@example.com")
    cookies = [client.get_cookie("latchkey_client"), client.get_cookie("latchkey_session")]
    for cookie in cookies:
        assert cookie.http_only and cookie.secure and cookie.same_site == "Lax"
    assert response.status_code == 302


def test_cookies_are_not_secure_in_debug(make_app):
    app = make_app(DEBUG=True)
    client = app.test_client()
    client.get("/")
    assert client.get_cookie("latchkey_client").secure is False


def test_the_ip_rate_limit_on_email_sending_answers_429(client):
    token = csrf_token(client, "/sign-up")
    for _ in range(30):
        client.post("/sign-up", data={"csrf_token": token, "email_address": "bad"})
    response = client.post("/sign-up", data={"csrf_token": token, "email_address": "bad"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert "Too many requests from your network. Try again in" in response.get_data(as_text=True)


def test_the_per_address_limit_answers_429_with_a_human_message(client):
    token = csrf_token(client, "/sign-up")
    for _ in range(5):
        ok = client.post("/sign-up", data={"csrf_token": token, "email_address": "g@example.com"})
        assert ok.status_code == 302
    response = client.post("/sign-up", data={"csrf_token": token, "email_address": "G@example.com"})
    assert response.status_code == 429 and 590 <= int(response.headers["Retry-After"]) <= 600
    assert "Too many emails were sent to this address" in response.get_data(as_text=True)


def test_rate_limits_can_be_turned_off(make_app):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    token = csrf_token(client, "/sign-up")
    for _ in range(35):
        ok = client.post("/sign-up", data={"csrf_token": token, "email_address": "g@example.com"})
        assert ok.status_code == 302


def test_tokens_are_stored_only_as_hashes(app, auth, mailbox):
    auth.start("sign-up", "grace@example.com")
    token = mailbox.token("grace@example.com")
    with app.app_context():
        assert db.session.scalar(select(EmailLink.token_hash)) != token
        for table in ("email_links", "attempts", "audit_events", "clients", "sessions"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
            assert token not in repr(rows), table


def test_tokens_never_reach_the_request_log(live_server, caplog):
    caplog.set_level(logging.INFO)
    secret = "s3cretT0kenValue_abcdefghijklmnopqrstuvwxyz0"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{live_server}/verify?token={secret}")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/verify?token=[redacted]" in logged and secret not in logged


def test_a_waiting_tab_cannot_be_read_across_origins(client, auth):
    location = auth.start("sign-up", "grace@example.com").location
    response = client.get(location.replace("/sign-up/", "/api/sign-ups/"))
    assert "Access-Control-Allow-Origin" not in response.headers
    assert re.match(r"sua_", location.rsplit("/", 1)[1])


def sign_ups_from(app, forwarded_for: list[str]) -> list[int]:
    """The statuses of refused sign-ups, one per X-Forwarded-For value, from one test client."""
    client = app.test_client()
    token = csrf_token(client, "/sign-up")
    return [
        client.post(
            "/sign-up",
            data={"csrf_token": token, "email_address": "bad"},
            headers={"X-Forwarded-For": hops},
        ).status_code
        for hops in forwarded_for
    ]


FORGED = [f"198.51.100.{n}" for n in range(3)]


def test_forged_x_forwarded_for_does_not_dodge_the_ip_limit(make_app):
    app = make_app(EMAIL_REQUESTS_PER_IP="2 per minute")
    assert sign_ups_from(app, FORGED) == [422, 422, 429]


def test_a_configured_proxy_supplies_the_client_ip(make_app):
    app = make_app(TRUSTED_PROXIES=1, EMAIL_REQUESTS_PER_IP="2 per minute")
    # three clients behind one proxy, one request each
    assert sign_ups_from(app, FORGED) == [422, 422, 422]


def test_a_database_error_does_not_carry_the_statements_values(app):
    # An outbox row holds a live link: if its INSERT failed, the logged error must not show it.
    secret = "https://localhost/verify?token=s3cretT0kenValue_abcdefghijklmnopqrstuvwxyz0"
    with app.app_context(), pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT * FROM no_such_table WHERE body = :body"), {"body": secret})
    assert "no_such_table" in str(caught.value) and secret not in str(caught.value)


def test_private_pages_are_never_cached(client, admin, ada):
    """/user and every /admin page (built from the URL map, real ids) say no-store."""
    pages = ["/user", f"/admin/users/{ada}"] + [
        rule.rule
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith("/admin") and "GET" in rule.methods and not rule.arguments
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert response.headers["Cache-Control"] == "no-store", path
