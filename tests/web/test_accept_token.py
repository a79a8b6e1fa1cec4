"""/accept-token as pages: GET looks and spends nothing, POST signs in; a page per failure."""

import html
import re

import pytest

from app import clock
from app.auth.sign_in_tokens import revoke_sign_in_token
from app.extensions import db
from tests.conftest import csrf_token
from tests.factory import make_user, mint_token, work


@pytest.fixture
def mint(app):
    user_id = make_user(app, "ada@example.com")

    def make(**kwargs):
        return mint_token(app, user_id, **kwargs)

    make.user_id = user_id
    return make


def signed_in_as(client) -> str:
    """The address the page header names for this browser's user."""
    page = client.get("/user").get_data(as_text=True)
    return re.search(r'<a href="/user">([^<]+)</a>', page).group(1)


def accept(client, token):
    return client.post("/accept-token", data={"csrf_token": csrf_token(client), "token": token})


def test_get_shows_signing_in_and_spends_nothing(client, mint):
    _, token = mint()
    for _ in range(2):
        page = client.get(f"/accept-token?token={token}")
        assert page.status_code == 200 and "Signing you in…" in page.get_data(as_text=True)
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["Cache-Control"] == "no-store"
    assert client.head(f"/accept-token?token={token}").status_code == 200
    done = accept(client, token)
    assert done.status_code == 302 and done.location == "/user"
    assert signed_in_as(client) == "ada@example.com"


def test_no_token_is_the_invalid_link_page(client):
    for path in ("/accept-token", "/accept-token?token="):
        page = client.get(path)
        assert page.status_code == 400 and 'data-reason="invalid"' in page.get_data(as_text=True)


def test_redirect_url_is_followed(client, mint):
    _, token = mint(redirect_url="/user?welcome=1")
    assert accept(client, token).location == "/user?welcome=1"


@pytest.mark.parametrize(
    "case, status, text",
    [
        ("invalid", 400, "This sign-in link is invalid"),
        ("used", 410, "already been used"),
        ("revoked", 410, "has been revoked"),
        ("expired", 410, "has expired"),
        ("banned", 403, "This account can't sign in"),
    ],
)
def test_each_failure_has_its_own_page(app, client, mint, case, status, text):
    token_id, token = mint(expires_in_seconds=60)
    if case == "invalid":
        token = "not-a-real-token"
    elif case == "used":
        accept(client, token)
    elif case == "revoked":
        with work(app):
            revoke_sign_in_token(token_id, clock.now())
    elif case == "expired":
        clock.travel(61)
    elif case == "banned":
        with work(app):
            from app.models import User

            db.session.get(User, mint.user_id).banned = True
            db.session.commit()
    for response in (client.get(f"/accept-token?token={token}"), accept(client, token)):
        assert response.status_code == status
        heading, message = re.search(
            r"<h1>(.*?)</h1>\s*<p class=\"status\"[^>]*>(.*?)</p>",
            html.unescape(response.get_data(as_text=True)),
        ).groups()
        assert text in heading
        assert text not in message  # what is wrong is said once; the message says what to do


def test_accepting_replaces_the_browsers_session(client, auth, mint):
    auth.sign_up("grace@example.com")
    _, token = mint()
    accept(client, token)
    assert signed_in_as(client) == "ada@example.com"
