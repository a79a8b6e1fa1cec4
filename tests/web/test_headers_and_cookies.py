"""Security headers and cookie flags (SPEC §6): on every page, on every answer of every
route, signed out, signed in and as an admin; private pages are never cached."""

import re

import pytest

from app.views.dev import EMAIL_HTML_POLICY
from tests.conftest import Auth
from tests.web.conftest import routes


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


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


class Recorder:
    """WSGI middleware keeping the status and headers of every answer the app gives."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.answers = []

    def __call__(self, environ, start_response):
        def record(status, headers, exc_info=None):
            self.answers.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], status, headers))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, record)


@pytest.fixture
def recorded(app):
    app.wsgi_app = Recorder(app.wsgi_app)
    return app.wsgi_app.answers


def assert_safe_answer(method, path, status, headers):
    where = (method, path, status)
    values = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value)
    csp = values["content-security-policy"][0]
    if re.fullmatch(r"/dev/mailbox/[^/]+/html", path) and str(status).startswith("200"):
        # An email's HTML part, framed by its dev mailbox page: its inline styles, no script.
        assert csp == EMAIL_HTML_POLICY and values["x-frame-options"] == ["SAMEORIGIN"], where
    else:
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, where
        assert values["x-frame-options"] == ["DENY"], where
    if values["content-type"][0].startswith("text/html") and csp != EMAIL_HTML_POLICY:
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, where
    assert values["x-content-type-options"] == ["nosniff"], where
    assert values["referrer-policy"][0] in ("same-origin", "no-referrer"), where
    for cookie in values.get("set-cookie", []):
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=lax"} <= flags, (where, cookie)


def test_every_answer_has_security_headers_and_safe_cookies(
    recorded, app, client, auth, mailbox, real_ids, secret_key
):
    """Every GET route from the URL map, signed out, signed in and as an admin, and every
    answer of the sign-in loops that made those browsers: the headers of SPEC §6 are on each,
    and every cookie set is HttpOnly, Secure and SameSite=Lax."""
    user = app.test_client()
    Auth(user, mailbox).sign_in("ada@example.com")
    browsers = {"signed out": app.test_client(), "user": user, "admin": client}
    pages = list(routes(app, real_ids, {"GET"}))
    for browser in browsers.values():
        for _, path in pages:
            browser.get(path, headers={"Authorization": f"Bearer {secret_key}"})
    assert client.get("/admin/users").status_code == 200  # the admin really is one
    statuses = [int(status.split()[0]) for _, _, status, _ in recorded]
    assert len(recorded) > 3 * len(pages) and 500 not in statuses
    assert any(name == "Set-Cookie" for *_, headers in recorded for name, _ in headers)
    for answer in recorded:
        assert_safe_answer(*answer)


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
