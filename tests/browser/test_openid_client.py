"""The OpenID provider (SPEC §9) judged by panva's openid-client against a live server: it builds
the authorization URL and checks everything that comes back (issuer, PKCE, state, nonce, the ID
token's signature and claims, userinfo's sub), while Playwright is the person in Chromium who
signs in by email link, on this device or another, and allows the app.

The judge is tests/oidc_client/rp.mjs, installed by `make node-judge` from its lock file; nothing
listens on the app's redirect URI: the browser's navigation there is caught and answered.
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_email_link_flows import approve, number_shown
from tests.conftest import free_port
from tests.factory import make_oauth_app, make_user, mint_token

pytestmark = pytest.mark.browser

JUDGE = Path(__file__).parents[1] / "oidc_client"
EMAIL = "ada@example.com"
SIGN_IN_URL = re.compile(r"/sign-in\?")
WAITING_URL = re.compile(r"/sign-in/sia_[0-9A-Za-z]+$")


class Refused(Exception):
    """openid-client refused a response: `.details` holds its error's name, code, message, …"""

    def __init__(self, details: dict):
        super().__init__(json.dumps(details))
        self.details = details


def judge(step: str, **args) -> dict:
    """One step of rp.mjs in Node: its JSON answer, or Refused with what openid-client said."""
    if not (JUDGE / "node_modules" / "openid-client").is_dir():
        pytest.fail("openid-client is not installed: run `make node-judge`")
    run = subprocess.run(
        ["node", "rp.mjs", step, json.dumps(args)],
        cwd=JUDGE,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode in (0, 3), f"rp.mjs {step} failed: {run.stderr or run.stdout}"
    answer = json.loads(run.stdout)
    if run.returncode == 3:
        raise Refused(answer["refused"])
    return answer


class App:
    """An OAuth application of the live server, as openid-client is configured for it."""

    def __init__(self, live_app, issuer: str, **kind):
        self.redirect_uri = f"http://127.0.0.1:{free_port()}/callback"  # nothing listens there
        client_id, secret = make_oauth_app(live_app, self.redirect_uri, **kind)
        self.client = {"issuer": issuer, "client_id": client_id, "client_secret": secret}
        self.client_id = client_id

    def start(self, **options) -> dict:
        """The authorization URL openid-client built, and the state, nonce and PKCE verifier
        it must check the answer against."""
        return judge("start", **self.client, redirect_uri=self.redirect_uri, **options)

    def finish(self, callback_url: str, flow: dict, **tampered) -> dict:
        checks = {key: flow[key] for key in ("state", "nonce", "verifier")} | tampered
        return judge("finish", **self.client, callback_url=callback_url, **checks)

    def introspect(self, token: str, hint: str | None = None) -> dict:
        return judge("introspect", **self.client, token=token, hint=hint)

    def revoke(self, token: str, hint: str | None = None) -> None:
        judge("revoke", **self.client, token=token, hint=hint)

    def sign_out_url(self, state: str) -> str:
        answer = judge(
            "sign-out", **self.client, post_logout_redirect_uri=self.redirect_uri, state=state
        )
        return answer["url"]

    def catch_callback(self, context: BrowserContext) -> list[str]:
        """Answer the browser's navigation to the redirect URI in its stead; returns the list
        the callback URLs are appended to."""
        seen = []

        def answer(route):
            seen.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<h1>Example App</h1>")

        context.route(re.compile(re.escape(self.redirect_uri) + r"(\?|$)"), answer)
        return seen


@pytest.fixture
def user_id(live_app):
    return make_user(live_app, EMAIL)


def ask_for_link(page: Page, authorize_url: str) -> None:
    """The app sends the browser to /oauth/authorize: signed out, it lands on Latchkey's sign-in
    with the login_hint filled in, and asks for a link."""
    page.goto(authorize_url)
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.locator("#email_address")).to_have_value(EMAIL)
    page.click("button[type=submit]")
    expect(page).to_have_url(WAITING_URL)


def expect_callback(page: Page, app: App, seen: list[str]) -> str:
    expect(page).to_have_url(re.compile(re.escape(app.redirect_uri) + r"\?"))
    assert len(seen) == 1, seen
    return seen[0]


def expect_id_token_and_userinfo(result: dict, app: App, issuer: str, user_id: str) -> None:
    """What openid-client validated (signature by the JWKS, iss, aud, nonce, exp, iat; userinfo's
    sub equal to the ID token's) carries the claims SPEC §9 promises."""
    claims = result["claims"]
    assert claims["iss"] == issuer
    assert claims["aud"] == app.client_id
    assert claims["azp"] == app.client_id
    assert claims["sub"] == user_id
    assert claims["sid"].startswith("sess_")
    assert claims["email"] == EMAIL and claims["email_verified"] is True
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
    assert result["token_type"].lower() == "bearer"
    assert 0 < result["expires_in"] <= 600
    userinfo = result["userinfo"]
    assert userinfo["sub"] == user_id and userinfo["sid"] == claims["sid"]
    assert userinfo["email"] == EMAIL


def test_confidential_app_same_browser_with_consent(
    live_app, live_server, new_device, mailbox, user_id
):
    """A third-party app with a secret (client_secret_basic): the link opened in another tab of
    the same browser finishes there, the person allows the app, and openid-client signs in,
    reads userinfo, refreshes (a rotated refresh token), introspects and revokes."""
    app = App(live_app, live_server)
    flow = app.start(login_hint=EMAIL)
    tab = new_device()
    seen = app.catch_callback(tab.context)
    ask_for_link(tab, flow["url"])

    link_tab = tab.context.new_page()
    link_tab.goto(mailbox.link(EMAIL))
    consent = link_tab.get_by_role("heading", name="Allow Example App to sign you in?")
    expect(consent).to_be_visible()  # this tab, not the waiting one: it spent the link
    expect(tab.locator("#waiting")).to_have_attribute("data-state", "same-client")
    link_tab.get_by_role("button", name="Allow").click()
    callback = expect_callback(link_tab, app, seen)

    result = app.finish(callback, flow)
    expect_id_token_and_userinfo(result, app, live_server, user_id)
    assert set(result["scope"].split()) == {"openid", "email", "profile", "offline_access"}
    refreshed = result["refreshed"]
    assert refreshed["refresh_token"] not in (None, result["refresh_token"])  # rotated
    assert refreshed["access_token"] != result["access_token"]
    assert refreshed["userinfo"]["sub"] == user_id

    introspection = app.introspect(refreshed["access_token"])
    assert introspection["active"] is True
    assert introspection["sub"] == user_id and introspection["client_id"] == app.client_id
    rotated_out = app.introspect(result["refresh_token"], "refresh_token")
    assert rotated_out == {"active": False}
    app.revoke(refreshed["refresh_token"], "refresh_token")  # ends the grant (RFC 7009)
    assert app.introspect(refreshed["access_token"])["active"] is False


def test_public_app_cross_device(live_app, live_server, new_device, mailbox, user_id):
    """A first-party public app (no secret, PKCE): the link approved on a phone, the waiting
    tab goes on by itself straight to the app, which openid-client lets in."""
    app = App(live_app, live_server, public=True, first_party=True)
    flow = app.start(login_hint=EMAIL)
    tab = new_device()
    seen = app.catch_callback(tab.context)
    ask_for_link(tab, flow["url"])

    approve(new_device(), mailbox.link(EMAIL), number_shown(tab), what="sign-in")
    callback = expect_callback(tab, app, seen)  # no reload, no click

    result = app.finish(callback, flow)
    expect_id_token_and_userinfo(result, app, live_server, user_id)
    refreshed = result["refreshed"]  # a public app refreshes with its client_id alone
    assert refreshed["refresh_token"] not in (None, result["refresh_token"])
    assert refreshed["userinfo"]["sub"] == user_id


def test_refusals(live_app, live_server, new_device, mailbox, user_id):
    """openid-client refuses an answer whose state is not the one it sent (and spends nothing);
    a code used twice is invalid_grant, and the tokens it gave are revoked with it. The app is
    first-party: the link's own tab goes from the link straight to the app."""
    app = App(live_app, live_server, first_party=True)
    flow = app.start(login_hint=EMAIL, scope="openid email")
    tab = new_device()
    seen = app.catch_callback(tab.context)
    ask_for_link(tab, flow["url"])
    link_tab = tab.context.new_page()
    link_tab.goto(mailbox.link(EMAIL))
    callback = expect_callback(link_tab, app, seen)

    with pytest.raises(Refused) as tampered:
        app.finish(callback, flow, state="another-state")
    assert tampered.value.details["code"] == "OAUTH_INVALID_RESPONSE"
    assert tampered.value.details["reason"] == 'unexpected "state" response parameter value'

    result = app.finish(callback, flow)
    expect_id_token_and_userinfo(result, app, live_server, user_id)
    assert result["refresh_token"] is None  # no offline_access, no refresh token
    assert app.introspect(result["access_token"])["active"] is True

    with pytest.raises(Refused) as reused:
        app.finish(callback, flow)
    assert reused.value.details["error"] == "invalid_grant"
    assert reused.value.details["status"] == 400
    assert app.introspect(result["access_token"]) == {"active": False}


def test_sign_out_asked_without_id_token_hint(live_app, live_server, new_device, user_id):
    """RP-initiated logout without an id_token_hint asks a signed-in browser first; once the
    person says yes, it goes back to the app's registered post_logout_redirect_uri with its
    state. A browser already signed out goes straight back."""
    app = App(live_app, live_server)
    tab = new_device()
    seen = app.catch_callback(tab.context)
    _, token = mint_token(live_app, user_id)
    tab.goto(f"{live_server}/accept-token?token={token}")
    expect(tab).to_have_url(re.compile(r"/user$"))
    tab.goto(app.sign_out_url(state="bye-1"))
    expect(tab.get_by_role("heading", name="Sign out of Latchkey?")).to_be_visible()
    tab.locator("form[action$='/oauth/end-session/confirm'] button").click()
    assert expect_callback(tab, app, seen) == f"{app.redirect_uri}?state=bye-1"
    # (Playwright's route sees no navigation that is a redirect: ask with the browser's cookies.)
    again = tab.request.get(app.sign_out_url(state="bye-2"), max_redirects=0)
    assert again.status == 302
    assert again.headers["location"] == f"{app.redirect_uri}?state=bye-2"
