"""/admin's two behaviours in Debian's Chromium (copy button, confirmations) and a phone screen."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.sign_in_tokens import token_url
from app.extensions import db
from app.models import User
from tests.factory import make_user, mint_token

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def admin_page(new_device, live_app):
    """A browser signed in as an administrator (by a sign-in token, the quickest real way in)."""
    admin = make_user(live_app, "admin@example.com", admin=True)
    _, token = mint_token(live_app, admin)
    with live_app.app_context():
        url = token_url(token)
    page = new_device(permissions=["clipboard-read", "clipboard-write"], viewport=PHONE)
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/user$"))
    return page


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_minted_link_is_copied_to_the_clipboard(admin_page, live_app):
    ada = make_user(live_app, "ada@example.com")
    page = admin_page
    page.goto(f"/admin/users/{ada}")
    page.get_by_role("button", name="Create sign-in link").click()
    field = page.get_by_label("Sign-in link for ada@example.com")
    url = field.input_value()
    assert "/accept-token?token=" in url
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert fits_the_screen(page)


def test_destructive_actions_ask_first_and_cancel_means_nothing_happens(admin_page, live_app):
    ada = make_user(live_app, "ada@example.com")
    page = admin_page
    page.goto(f"/admin/users/{ada}")
    questions = []

    def answer(dialog, accept: bool):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Ban").click()
    expect(page.get_by_role("button", name="Ban")).to_be_visible()
    with live_app.app_context():
        assert not db.session.get(User, ada).banned

    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Ban").click()
    expect(page.get_by_text("Banned: this user cannot sign in")).to_be_visible()
    assert (
        questions == ["Ban ada@example.com? They are signed out everywhere and cannot sign in."] * 2
    )
    with live_app.app_context():
        assert db.session.scalar(select(User.banned).where(User.id == ada))


@pytest.mark.parametrize("path", ["/admin/users", "/admin/secret-keys", "/admin/settings"])
def test_admin_pages_fit_a_phone_screen(admin_page, path):
    admin_page.goto(path)
    expect(admin_page.get_by_role("navigation", name="Admin sections")).to_be_visible()
    assert fits_the_screen(admin_page)
