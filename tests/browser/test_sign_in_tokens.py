"""Sign-in tokens in Debian's Chromium (SPEC §3): minted through /v1, opened at /accept-token.

Every browser context is one client (one browser profile); two contexts are two browsers.
"""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Session
from tests.factory import make_secret_key, make_user

pytestmark = pytest.mark.browser

USER_URL = re.compile(r"/user$")
SIGN_IN_URL = re.compile(r"/sign-in(\?|$)")
ACCEPT_URL = re.compile(r"/accept-token\?token=")


# -- fixtures and helpers ----------------------------------------------------------------------


class Backend:
    """The integrator's backend: /v1 over plain HTTP with a secret key."""

    def __init__(self, live_server: str, secret: str):
        self.live_server = live_server
        self.secret = secret

    def call(self, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.live_server}/v1{path}",
            data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            return json.loads(response.read())

    def mint(self, user_id: str, **options) -> dict:
        token = self.call("/sign_in_tokens", {"user_id": user_id, **options})
        assert token["status"] == "pending"
        assert token["url"].startswith(f"{self.live_server}/accept-token?token=")
        return token


@pytest.fixture
def backend(live_app, live_server):
    return Backend(live_server, make_secret_key(live_app, "browser tests"))


@pytest.fixture
def ada(live_app):
    return make_user(live_app, "ada@example.com")


@pytest.fixture
def grace(live_app):
    return make_user(live_app, "grace@example.com")


def sessions_of(live_app, user_id: str) -> list[str]:
    """The statuses of the user's sessions, oldest first."""
    with live_app.app_context():
        query = select(Session.status).where(Session.user_id == user_id)
        return list(db.session.scalars(query.order_by(Session.created_at, Session.id)))


def expect_signed_in_as(page: Page, user_id: str, url=USER_URL) -> None:
    expect(page).to_have_url(url)
    expect(page.locator("#signed-in-as")).to_have_attribute("data-user-id", user_id)


def expect_signed_out(page: Page) -> None:
    page.goto("/user")
    expect(page).to_have_url(SIGN_IN_URL)


def expect_token_error(page: Page, url: str, status: int, heading: str, reason: str) -> None:
    """The token's error page: its heading says what is wrong (once), `reason` which page."""
    response = page.goto(url)
    assert response.status == status
    assert response.headers["cache-control"] == "no-store"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("p.status")).to_have_attribute("data-reason", reason)


# -- tests -------------------------------------------------------------------------------------


def test_token_signs_the_browser_in(new_device, backend, ada, live_app):
    """The page posts itself and lands on /user, signed in as the token's user."""
    token = backend.mint(ada)
    page = new_device()
    first = []
    page.on("response", lambda r: first.append(r) if ACCEPT_URL.search(r.url) else None)
    page.goto(token["url"])
    expect_signed_in_as(page, ada)
    [shown] = first  # GET "Signing you in…", as a token page: kept out of caches and referrers
    assert shown.status == 200
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert shown.headers["cache-control"] == "no-store"
    assert sessions_of(live_app, ada) == ["active"]
    page.reload()
    expect_signed_in_as(page, ada)  # the session is real, not a one-page message


def test_used_token_says_already_used(new_device, backend, ada):
    token = backend.mint(ada)
    page = new_device()
    page.goto(token["url"])
    expect_signed_in_as(page, ada)

    used = ("This sign-in link has already been used", "already_used")
    expect_token_error(page, token["url"], 410, *used)
    other = new_device()
    expect_token_error(other, token["url"], 410, *used)
    expect_signed_out(other)


def test_revoked_token(new_device, backend, ada, live_app):
    token = backend.mint(ada)
    assert backend.call(f"/sign_in_tokens/{token['id']}/revoke")["status"] == "revoked"
    page = new_device()
    expect_token_error(page, token["url"], 410, "This sign-in link has been revoked", "revoked")
    expect_signed_out(page)
    assert sessions_of(live_app, ada) == []


def test_expired_token(new_device, backend, ada, live_app):
    token = backend.mint(ada, expires_in_seconds=1)
    clock.travel(2)
    page = new_device()
    expect_token_error(page, token["url"], 410, "This sign-in link has expired", "expired")
    expect_signed_out(page)
    assert sessions_of(live_app, ada) == []


def test_invalid_token(new_device, backend, ada):
    token = backend.mint(ada)
    page = new_device()
    expect_token_error(
        page, token["url"][:-1], 400, "This sign-in link is invalid", "invalid"
    )  # one character short
    expect_signed_out(page)


def test_mail_scanner_does_not_spend_the_token(new_device, backend, ada, live_app):
    """A GET and a HEAD without cookies or JS (a mail scanner) leave the token usable."""
    token = backend.mint(ada)
    for method in ("GET", "HEAD"):
        request = urllib.request.Request(token["url"], method=method)
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
    assert sessions_of(live_app, ada) == []

    page = new_device()
    page.goto(token["url"])
    expect_signed_in_as(page, ada)


def test_redirect_url(new_device, backend, ada):
    token = backend.mint(ada, redirect_url="/user?welcome=1")
    assert token["redirect_url"] == "/user?welcome=1"
    page = new_device()
    page.goto(token["url"])
    expect_signed_in_as(page, ada, url=re.compile(r"/user\?welcome=1$"))


def test_no_token(new_device):
    page = new_device()
    response = page.goto("/accept-token")
    assert response.status == 400
    expect(page.locator("p.status")).to_have_attribute("data-reason", "invalid")
    expect(page.locator("form[data-autosubmit]")).to_have_count(0)


def test_token_replaces_another_users_session(new_device, backend, ada, grace, live_app):
    """Accepting a token ends the session this browser had, even for someone else."""
    page = new_device()
    page.goto(backend.mint(grace)["url"])
    expect_signed_in_as(page, grace)

    page.goto(backend.mint(ada)["url"])
    expect_signed_in_as(page, ada)
    assert sessions_of(live_app, grace) == ["ended"]
    assert sessions_of(live_app, ada) == ["active"]
    page.reload()
    expect_signed_in_as(page, ada)


def test_banned_user(new_device, backend, ada, live_app):
    token = backend.mint(ada)
    assert backend.call(f"/users/{ada}/ban")["banned"] is True
    page = new_device()
    expect_token_error(page, token["url"], 403, "This account can't sign in", "banned")
    expect_signed_out(page)
    assert sessions_of(live_app, ada) == []

    assert backend.call(f"/users/{ada}/unban")["banned"] is False  # the token was not spent
    page.goto(token["url"])
    expect_signed_in_as(page, ada)


def test_without_javascript_the_button_signs_in(new_device, backend, ada):
    token = backend.mint(ada)
    page = new_device(java_script_enabled=False)
    page.goto(token["url"])
    expect(page.get_by_role("heading", name="Signing you in…")).to_be_visible()
    expect(page).to_have_url(ACCEPT_URL)  # nothing submitted it
    page.get_by_role("button", name="Continue").click()
    expect_signed_in_as(page, ada)
