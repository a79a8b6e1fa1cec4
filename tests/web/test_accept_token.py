"""/accept-token as pages: GET looks and spends nothing, POST signs in; a page per failure."""

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
    assert f"Signed in as <code>{mint.user_id}</code>" in client.get("/user").get_data(as_text=True)


def test_no_token_is_400(client):
    for path in ("/accept-token", "/accept-token?token="):
        page = client.get(path)
        assert page.status_code == 400 and "No token provided." in page.get_data(as_text=True)


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
        ("banned", 403, "banned"),
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
        assert text in response.get_data(as_text=True)


def test_accepting_replaces_the_browsers_session(client, auth, mint):
    auth.sign_up("grace@example.com")
    _, token = mint()
    accept(client, token)
    assert mint.user_id in client.get("/user").get_data(as_text=True)
