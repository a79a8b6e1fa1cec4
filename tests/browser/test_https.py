"""Over real TLS (gunicorn with a self-signed certificate) in Debian's Chromium: the token pages
send no Referer, and their forms still work (security review, finding 1)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TIMEOUT
from tests.browser.test_email_link_flows import approve, number_shown
from tests.factory import make_user, mint_token
from tests.servers import gunicorn

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
WAITING_URL = re.compile(r"/sign-in/sia_[0-9A-Za-z]+$")
USER_URL = re.compile(r"/user$")


@pytest.fixture
def https_server(app, database_url, certificate, tmp_path):
    """Latchkey over HTTPS on the test database, mail kept in the dev mailbox (asked by name)."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "https-test",
        "MAIL_DELIVERY": "dev_mailbox",
    }
    with gunicorn(env, tmp_path / "gunicorn.log", certificate) as url:
        yield url


@pytest.fixture
def new_browser(new_context, https_server):
    """A fresh browser profile on the HTTPS server, which trusts its self-signed certificate."""

    def open_page() -> Page:
        context = new_context(base_url=https_server, ignore_https_errors=True)
        context.set_default_timeout(TIMEOUT)
        return context.new_page()

    return open_page


@pytest.fixture
def ada(app):
    return make_user(app, EMAIL)


def posts_without_referer(page: Page) -> list[str]:
    """The paths of the page's POSTs that carried no Referer, collected as they are sent."""
    seen = []

    def note(request):
        if request.method == "POST" and "referer" not in request.headers:
            seen.append(request.url.split("/", 3)[3])

    page.on("request", note)
    return seen


def expect_signed_in_as(page: Page, user_id: str) -> None:
    expect(page).to_have_url(USER_URL)
    expect(page.locator("#signed-in-as")).to_have_attribute("data-user-id", user_id)


def test_email_link_sign_in_over_https(new_browser, mailbox, ada, https_server):
    """Sign in on one device, approve the link on another: every form posts over HTTPS."""
    tab = new_browser()
    tab.goto("/sign-in")
    assert tab.url.startswith("https://")
    tab.fill("#email_address", EMAIL)
    tab.click("button[type=submit]")
    expect(tab).to_have_url(WAITING_URL)

    link = mailbox.link(EMAIL)
    assert link.startswith(f"{https_server}/verify?token=")
    phone = new_browser()
    unreferred = posts_without_referer(phone)
    approve(phone, link, number_shown(tab), what="sign-in")
    assert unreferred == ["verify"]  # the token page's own form, which used to be refused
    expect_signed_in_as(tab, ada)


def test_accept_token_over_https(new_browser, app, ada, https_server):
    _, token = mint_token(app, ada)
    page = new_browser()
    unreferred = posts_without_referer(page)
    page.goto(f"/accept-token?token={token}")
    expect_signed_in_as(page, ada)
    assert unreferred == ["accept-token"]
    [cookie] = [c for c in page.context.cookies() if c["name"] == "latchkey_session"]
    assert cookie["secure"]
