"""Email-link sign-up and sign-in in Debian's Chromium (SPEC §2 and §4): the waiting tab, the
link opened on another device or in another tab, mail scanners, expiry, reuse, no-JS, resend.

Every browser context is one client (one "device"); two contexts are two devices.
"""

import re
import urllib.request
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from app import clock
from tests.factory import make_user

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
WAITING_URL = re.compile(r"/sign-(up|in)/(sua|sia)_[0-9A-Za-z]+$")
USER_URL = re.compile(r"/user$")
SIGN_IN_URL = re.compile(r"/sign-in(\?|$)")
# The approval page's field for the waiting tab's number (SPEC §10).
NUMBER_LABEL = "Type the number shown in the tab where you asked"
# What the approving device says it did (it is not signed in itself).
APPROVED = {
    "sign-up": "Your account is ready on the other device.",
    "sign-in": "You're signed in on the other device.",
}
# The requesting device, unlike the approving one (headless Chromium on Linux).
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)


# -- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def account(live_app):
    """An existing user with a verified EMAIL, made through the domain."""
    return make_user(live_app, EMAIL)


def start(page: Page, flow: str = "sign-up", email: str = EMAIL, redirect_url: str = "") -> Page:
    """Submit the email form of /sign-up or /sign-in and land on the waiting page."""
    query = f"?redirect_url={quote(redirect_url, safe='')}" if redirect_url else ""
    page.goto(f"/{flow}{query}")
    page.fill("#email_address", email)
    page.click("button[type=submit]")
    expect(page).to_have_url(WAITING_URL)
    expect(waiting(page)).to_have_attribute("data-state", "waiting")
    return page


def waiting(page: Page):
    return page.locator("#waiting")


def new_tab(page: Page) -> Page:
    """Another tab of the same browser profile (the same client)."""
    return page.context.new_page()


def fact(page: Page, name: str):
    """The value next to `name` in the approval page's list of facts."""
    return page.locator("dl.facts dt", has_text=name).locator("xpath=following-sibling::dd[1]")


def number_shown(tab: Page) -> str:
    """The two-digit number the waiting tab shows, which another device's approval asks for."""
    return tab.locator("#match-number").inner_text()


def approve(page: Page, link: str, number: str, what: str = "sign-up") -> None:
    """Open the link on another device and approve it there, typing the waiting tab's number
    as its person reads it off that tab (SPEC §10)."""
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Approve this {what}?")).to_be_visible()
    page.get_by_label(NUMBER_LABEL).fill(number)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect_approved(page, what)


def expect_approved(page: Page, what: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Approved")
    expect(page.locator("p.status")).to_have_text(APPROVED[what])


def expect_signed_in(page: Page, url=USER_URL) -> None:
    expect(page).to_have_url(url)
    expect(page.locator("#signed-in-as")).to_have_attribute("data-user-id", re.compile("^user_"))


def expect_signed_out(page: Page) -> None:
    page.goto("/user")
    expect(page).to_have_url(SIGN_IN_URL)


def expect_link_error(page: Page, link: str, status: int, heading: str, message: str) -> None:
    response = page.goto(link)
    assert response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("p.status")).to_contain_text(message)


# -- tests -------------------------------------------------------------------------------------


def test_cross_device_sign_up(new_device, mailbox):
    """A link approved on another device signs the waiting tab in by itself, and only it."""
    tab = start(new_device(user_agent=WINDOWS_CHROME))
    clock.travel(125)  # the approval page says how long ago the request was made

    phone = new_device()
    phone.goto(mailbox.link(EMAIL))
    expect(phone.get_by_role("heading", name="Approve this sign-up?")).to_be_visible()
    expect(fact(phone, "Email address")).to_have_text(EMAIL)
    expect(fact(phone, "Requested from")).to_contain_text("Chrome 156 on Windows")
    expect(fact(phone, "When")).to_contain_text("2 minutes ago")
    expect(tab).to_have_url(WAITING_URL)  # opening the link alone finishes nothing

    phone.get_by_label(NUMBER_LABEL).fill(number_shown(tab))
    phone.get_by_role("button", name="Approve", exact=True).click()
    expect_approved(phone, "sign-up")
    expect_signed_in(tab)  # no reload, no click
    expect_signed_out(phone)


def test_cross_device_sign_in_goes_to_redirect_url(new_device, mailbox, account):
    """An existing user signs in from another device; the waiting tab ends at redirect_url."""
    tab = start(new_device(), flow="sign-in", redirect_url="/user?welcome=1")
    approve(new_device(), mailbox.link(EMAIL), number_shown(tab), what="sign-in")
    expect_signed_in(tab, url=re.compile(r"/user\?welcome=1$"))
    expect(tab.locator("#signed-in-as")).to_have_attribute("data-user-id", account)


def test_same_browser_second_tab(new_device, mailbox):
    """The link opened in another tab signs that tab in; the waiting tab offers to continue."""
    tab = start(new_device())
    second = new_tab(tab)
    second.goto(mailbox.link(EMAIL))
    expect_signed_in(second)

    expect(waiting(tab)).to_have_attribute("data-state", "same-client")
    expect(tab.get_by_role("heading", level=1)).to_have_text("You're signed in")
    expect(tab.locator("#status")).to_have_text("Signed in on another tab.")
    tab.locator("#continue-link").click()
    expect_signed_in(tab)


def test_expired_link(new_device, mailbox):
    """After EMAIL_LINK_TTL the waiting tab shows the expired state and the link says so (410)."""
    tab = start(new_device())
    link = mailbox.link(EMAIL)
    clock.travel(601)
    expect(waiting(tab)).to_have_attribute("data-state", "expired")
    expect(tab.locator("#status")).to_have_text(
        "This link has expired. Send a new one to continue."
    )
    expect(tab.locator("#code-form")).to_be_hidden()

    expect_link_error(new_tab(tab), link, 410, "This link has expired", "limited time")
    expect_link_error(new_device(), link, 410, "This link has expired", "limited time")


def test_mail_scanner_does_not_spend_the_link(new_device, mailbox):
    """A GET and a HEAD without cookies or JS (a mail scanner) leave the link usable."""
    tab = start(new_device())
    link = mailbox.link(EMAIL)
    for method in ("GET", "HEAD"):
        with urllib.request.urlopen(urllib.request.Request(link, method=method)) as response:
            assert response.status == 200
    expect(waiting(tab)).to_have_attribute("data-state", "waiting")

    approve(new_device(), link, number_shown(tab))
    expect_signed_in(tab)


def test_reused_link(new_device, mailbox):
    """Once the link has signed someone in, opening it again anywhere says it was used."""
    tab = start(new_device())
    link = mailbox.link(EMAIL)
    second = new_tab(tab)
    second.goto(link)
    expect_signed_in(second)

    used = ("This link can't be used", "already been used")
    expect_link_error(second, link, 410, *used)
    expect_link_error(new_device(), link, 410, *used)


def test_require_same_client(live_app, new_device, mailbox):
    """With REQUIRE_SAME_CLIENT another device is refused (403); the requesting browser is not."""
    live_app.config["REQUIRE_SAME_CLIENT"] = True
    tab = start(new_device())
    link = mailbox.link(EMAIL)

    phone = new_device()
    expect_link_error(
        phone, link, 403, "Open this link in the browser where you asked for it", "must be opened"
    )
    expect(phone.get_by_role("button", name=re.compile("approve", re.I))).to_have_count(0)
    expect_signed_out(phone)
    expect(waiting(tab)).to_have_attribute("data-state", "waiting")
    second = new_tab(tab)
    expect_signed_out(second)

    second.goto(link)
    expect_signed_in(second)
    expect(waiting(tab)).to_have_attribute("data-state", "same-client")


@pytest.fixture
def no_js_sign_up(new_device, mailbox):
    """Without JavaScript: the waiting page, and the link signed in with its Continue button."""
    tab = start(new_device(java_script_enabled=False))
    second = new_tab(tab)
    second.goto(mailbox.link(EMAIL))
    expect(second.get_by_role("heading", name="Signing you in…")).to_be_visible()
    expect(second).to_have_url(re.compile(r"/verify\?token="))  # nothing submitted it
    second.get_by_role("button", name="Continue").click()
    expect_signed_in(second)
    return tab


def test_without_javascript_link_signs_in(no_js_sign_up):
    """Without JS, a reload of the waiting page shows the finished state and its link works."""
    tab = no_js_sign_up
    tab.reload()
    expect(waiting(tab)).to_have_attribute("data-state", "same-client")
    tab.locator("#continue-link").click()
    expect_signed_in(tab)


def test_without_javascript_waiting_page_shows_only_its_state(no_js_sign_up):
    """Without JS, the reloaded waiting page shows the finished state and nothing else."""
    tab = no_js_sign_up
    tab.reload()
    expect(tab.get_by_role("heading", level=1)).to_have_text("You're signed in")
    expect(tab.locator("#status")).to_have_text("Signed in on another tab.")
    for other in ("waiting", "expired", "approved", "closed"):
        for part in tab.locator(f'[data-show~="{other}"]').all():
            expect(part).to_be_hidden()
    expect(tab.get_by_text("Waiting for you to open the link")).to_be_hidden()
    expect(tab.get_by_text("updates by itself")).to_be_hidden()


def test_resend_cooldown_and_newer_link(new_device, mailbox):
    """Resend waits out a visible cooldown, then sends a new link that replaces the first."""
    page = new_device()
    # The page counts the cooldown down on the browser's clock (synchronised once, at load),
    # so time moves for both sides: the server's clock and the page's.
    page.clock.install()
    tab = start(page)
    first_link = mailbox.link(EMAIL)
    expect(tab.locator("#resend")).to_be_disabled()
    expect(tab.locator("#cooldown")).to_contain_text("You can resend in")

    clock.travel(31)
    tab.clock.fast_forward("00:31")
    expect(tab.locator("#resend")).to_be_enabled(timeout=3_000)
    expect(tab.locator("#cooldown")).to_have_text("")
    tab.locator("#resend").click()
    expect(tab.locator("#status")).to_contain_text("We sent a new link.")
    expect(tab.locator("#resend")).to_be_disabled()
    assert len(mailbox.messages(EMAIL)) == 2

    second = new_tab(tab)
    expect_link_error(second, first_link, 410, "This link can't be used", "newer link")
    second.goto(mailbox.link(EMAIL))
    expect_signed_in(second)


def test_the_countdowns_are_in_the_pages_language(new_device, live_server):
    """waiting.js says how long is left in the page's language, not only the server."""
    page = new_device()
    page.context.add_cookies([{"name": "lang", "value": "de", "url": live_server}])
    tab = start(page)
    expect(tab.locator("html")).to_have_attribute("lang", "de")
    expect(tab.locator("#cooldown")).to_contain_text(re.compile(r"\d+ Sekunden"))
    expect(tab.locator("#time-left")).to_have_text(re.compile(r"^\d+ Minuten$"))
