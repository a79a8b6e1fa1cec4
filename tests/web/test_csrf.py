"""Cross-site request forgery (SPEC §6): every state-changing route outside /v1 needs this
session's CSRF token, signed out and signed in as an admin with real ids."""

import pytest

from tests.conftest import csrf_token
from tests.web.conftest import UNSAFE, audit_rows, routes


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


# An attempt's kind is a word the URL must match (sign-in, sign-up), not an id.
PLACEHOLDERS = {"kind": "sign_in"}
# The OpenID provider's endpoints for apps' servers take client credentials or bearer tokens,
# never cookies, so there is no CSRF token to ask for: a forged request proves nothing
# (tests/oauth). /oauth/end-session without an id_token_hint only shows a confirmation page.
OAUTH_MACHINE = {"/oauth/token", "/oauth/userinfo", "/oauth/revoke", "/oauth/introspect"}
# An app may send its authorization request as a form (OIDC Core §3.1.2.1): it is answered
# with a redirect to the same request as a GET, and changes nothing. The consent form's answer
# goes to /oauth/authorize/consent, which the CSRF token guards like any other form.
AUTHORIZE = "/oauth/authorize"


def post_routes(app):
    """Every POST route of the app, with placeholder arguments: a new route cannot be missed."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            args = {}
            for name in rule.arguments:
                converter = rule._converters[name]
                choices = getattr(converter, "items", None)
                args[name] = sorted(choices)[0] if choices else PLACEHOLDERS.get(name, "x_id")
            yield rule.build(args)[1]


def test_every_post_route_requires_a_csrf_token(app, client):
    routes = list(post_routes(app))
    assert "/sign-out" in routes and "/verify" in routes and len(routes) >= 8
    for path in routes:
        response = client.post(path, data={"email_address": "grace@example.com", "token": "x"})
        if path.startswith("/v1/") or path in OAUTH_MACHINE:
            # Bearer keys or client credentials, never cookies: a forged request has none (the
            # token endpoint first asks which grant, then who the client is).
            assert response.status_code in (400, 401) and "csrf" not in response.text, path
            assert response.status_code == 401 or path == "/oauth/token", path
            continue
        if path == "/oauth/end-session":
            assert "Sign out of Latchkey?" not in response.get_data(as_text=True)  # signed out
            continue
        if path == AUTHORIZE:
            assert response.status_code == 303 and response.location.startswith(AUTHORIZE)
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


def test_no_state_changing_route_works_without_the_csrf_token_when_signed_in(app, client, real_ids):
    """The victim is a signed-in admin and every id is real, so each forged request would
    have worked: every unsafe route outside /v1 refuses it, and nothing changes."""
    before = audit_rows(app)
    forged = list(routes(app, real_ids, UNSAFE))
    for method, path in forged:
        if path.startswith("/v1/") or path in OAUTH_MACHINE | {"/oauth/end-session", AUTHORIZE}:
            continue  # bearer keys, not cookies, or a confirmation page: covered above
        for extra in ({}, {"csrf_token": "forged"}):
            data = {"email_address": "eve@evil.example", "token": "x", **extra}
            response = client.open(path, method=method, data=data)
            assert response.status_code == 400, (method, path)
            page = response.get_data(as_text=True)
            assert "was not sent from this site" in page or "malformed_request" in page, path
    assert len(forged) > 40 and audit_rows(app) == before
    assert client.get("/user").status_code == 200  # still signed in: /sign-out was refused
