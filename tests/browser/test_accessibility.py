"""Every page in Chromium at a desktop's width and a phone's, checked by axe-core against WCAG
2.0, 2.1 and 2.2 A and AA (no serious or critical violation), and by controls.js for what axe
does not check (the edges of fields and buttons, the focus ring); no page is wider than the
screen. Each page's screenshot is saved as test-results/screens/<page>-<width>.png for a
person to look at.

axe-core is tests/axe's, installed by `make axe` from its lock file. The pages' CSP allows
scripts from their own origin only, so axe is served from there (a route answers
/axe-core.js): every page is checked under the policy it really has.
"""

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from app import clock
from app.auth.sign_in_tokens import token_url
from tests.factory import (
    make_oauth_app,
    make_secret_key,
    make_session,
    make_user,
    mint_token,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CONTROLS = (Path(__file__).parent / "controls.js").read_text()
SCREENS = Path(__file__).parents[2] / "test-results" / "screens"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING = ("serious", "critical")
SCREEN_SIZES = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}
EMAIL = "ada@example.com"
USER_URL = re.compile(r"/user$")
WAITING_URL = re.compile(r"/sign-(up|in)/(sua|sia)_[0-9A-Za-z]+$")


class Checker:
    """Opens devices at one screen width and checks pages on them. What fails is kept, so that
    one run reports every page's violations at once."""

    def __init__(self, new_device, live_server: str, width: int):
        self.new_device = new_device
        self.live_server = live_server
        self.width = width
        self.failures: list[str] = []

    def device(self) -> Page:
        page = self.new_device(viewport=SCREEN_SIZES[self.width])
        page.context.route(
            f"{self.live_server}/axe-core.js",
            lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
        )
        return page

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state()
        page.screenshot(path=SCREENS / f"{name}-{self.width}.png", full_page=True)
        page.add_script_tag(url="/axe-core.js")
        violations = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(results => results.violations)",
            TAGS,
        )
        where = f"{name} at {self.width}px"
        for rule in violations:
            if rule["impact"] in FAILING:
                nodes = "".join(
                    f"\n    {n['target']}: {n['failureSummary']}" for n in rule["nodes"]
                )
                self.failures.append(f"{where}: {rule['id']} ({rule['impact']}){nodes}")
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            self.failures.append(f"{where}: wider than the screen (WCAG 1.4.10)")
        page.keyboard.press("Tab")  # focus() draws the keyboard's ring from now on
        self.failures += [f"{where}: {problem}" for problem in page.evaluate(CONTROLS)]

    def assert_clean(self) -> None:
        assert not self.failures, "\n".join(self.failures)


@pytest.fixture(params=SCREEN_SIZES, ids=lambda width: f"{width}px")
def checker(request, new_device, live_server):
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make axe`")
    SCREENS.mkdir(parents=True, exist_ok=True)
    return Checker(new_device, live_server, request.param)


def sign_in_link(live_app, user_id: str) -> str:
    """A sign-in token's link for the user: the quickest real way in."""
    _, token = mint_token(live_app, user_id)
    with live_app.app_context():
        return token_url(token)


def ask_for_link(page: Page, flow: str) -> None:
    page.goto(f"/{flow}")
    page.fill("#email_address", EMAIL)
    page.press("#email_address", "Enter")
    expect(page).to_have_url(WAITING_URL)


def test_signed_out_pages(checker):
    page = checker.device()
    for name, path in [
        ("home", "/"),
        ("sign-in", "/sign-in"),
        ("sign-up", "/sign-up"),
        ("not-found", "/no-such-page"),
        ("link-invalid", "/verify?token=no-such-token"),
        ("token-invalid", "/accept-token?token=no-such-token"),
    ]:
        page.goto(path)
        checker.check(page, name)
    for flow in ("sign-in", "sign-up"):
        page.goto(f"/{flow}")
        page.fill("#email_address", "not an address")
        page.press("#email_address", "Enter")
        expect(page.locator("#email_address")).to_have_attribute("aria-invalid", "true")
        checker.check(page, f"{flow}-error")
    checker.assert_clean()


def test_email_link_pages(checker, live_app, mailbox):
    """Sign up on a laptop and approve on a phone; sign in on the phone and deny it on the
    laptop; a link that expired."""
    laptop, phone = checker.device(), checker.device()
    ask_for_link(laptop, "sign-up")
    checker.check(laptop, "waiting-sign-up")
    tab = laptop.context.new_page()  # the link in the same browser: "Signing you in…"
    tab.route("**/autosubmit.js", lambda route: route.abort())  # stays, and spends nothing
    tab.goto(mailbox.link(EMAIL))
    checker.check(tab, "verify-same-browser")
    tab.close()
    phone.goto("/dev/mailbox")
    checker.check(phone, "dev-mailbox")
    phone.goto(f"/dev/mailbox/{mailbox.last(EMAIL).id}")
    checker.check(phone, "dev-message")
    phone.goto(mailbox.link(EMAIL))
    checker.check(phone, "verify-approve")
    phone.fill("input[name=number]", laptop.locator("#match-number").inner_text())
    phone.press("input[name=number]", "Enter")
    expect(phone.locator("input[name=number]")).to_have_count(0)
    checker.check(phone, "verify-done")
    expect(laptop).to_have_url(USER_URL)

    ask_for_link(phone, "sign-in")
    checker.check(phone, "waiting-sign-in")
    laptop.goto(mailbox.link(EMAIL))
    laptop.locator("form[action$='/verify/deny'] button").click()
    expect(laptop.locator("form[action$='/verify/deny']")).to_have_count(0)
    checker.check(laptop, "verify-denied")
    expect(phone.locator("#waiting")).to_have_attribute("data-state", "denied")
    checker.check(phone, "waiting-denied")

    ask_for_link(phone, "sign-in")
    clock.travel(live_app.config["EMAIL_LINK_TTL"] + 1)
    laptop.goto(mailbox.link(EMAIL))
    checker.check(laptop, "link-expired")
    expect(phone.locator("#waiting")).to_have_attribute("data-state", "expired")
    checker.check(phone, "waiting-expired")
    checker.assert_clean()


def test_signed_in_pages(checker, live_app):
    """A person's own pages, the links that sign a browser in, and an app's OpenID pages."""
    url = sign_in_link(live_app, make_user(live_app, EMAIL))
    page = checker.device()
    page.route("**/autosubmit.js", lambda route: route.abort())  # the page stays to be seen
    page.goto(url)
    checker.check(page, "accept-token")
    page.unroute("**/autosubmit.js")
    page.locator("main form button").click()
    expect(page).to_have_url(USER_URL)
    page.goto(url)
    checker.check(page, "token-used")

    page.goto("/user")
    checker.check(page, "profile")
    page.fill("#email_address", "work@example.com")
    page.press("#email_address", "Enter")
    expect(page).to_have_url(re.compile(r"/user/email-addresses/idn_"))
    checker.check(page, "waiting-email-address")
    page.goto("/admin/users")
    checker.check(page, "forbidden")

    redirect_uri = "http://127.0.0.1:9/callback"
    client_id, _ = make_oauth_app(live_app, redirect_uri)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": "s",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",  # RFC 7636's example
        "code_challenge_method": "S256",
    }
    page.goto(f"/oauth/authorize?{urlencode(query)}")
    checker.check(page, "oauth-consent")
    page.goto("/oauth/end-session")
    checker.check(page, "oauth-end-session")
    page.locator("form[action$='/oauth/end-session/confirm'] button").click()
    expect(page.locator("form[action$='/oauth/end-session/confirm']")).to_have_count(0)
    checker.check(page, "oauth-signed-out")
    checker.assert_clean()


def test_admin_pages(checker, live_app):
    ada = make_user(live_app, EMAIL)
    make_session(live_app, ada)
    mint_token(live_app, ada)
    make_secret_key(live_app)
    client_id, _ = make_oauth_app(live_app)
    page = checker.device()
    page.goto(sign_in_link(live_app, make_user(live_app, "admin@example.com", admin=True)))
    expect(page).to_have_url(USER_URL)
    for name, path in [
        ("admin-users", "/admin"),  # which shows the users
        ("admin-user", f"/admin/users/{ada}"),
        ("admin-secret-keys", "/admin/secret-keys"),
        ("admin-settings", "/admin/settings"),
        ("admin-audit", "/admin/audit"),
        ("admin-oauth-apps", "/admin/oauth-apps"),
        ("admin-oauth-app", f"/admin/oauth-apps/{client_id}"),
    ]:
        page.goto(path)
        checker.check(page, name)
    checker.assert_clean()
