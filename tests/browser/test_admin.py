"""/admin in Debian's Chromium: the copy button, confirmations, a phone screen, the audit log's
width, and creating a user then making them an administrator."""

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


DESKTOP = {"width": 1400, "height": 900}


def test_the_audit_log_uses_the_width_and_breaks_no_word(admin_page, live_app):
    ada = make_user(live_app, "ada-with-a-rather-long-address@example.com")
    page = admin_page
    page.set_viewport_size(DESKTOP)
    page.goto(f"/admin/users/{ada}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Ban ada-with-a-rather-long-address@example.com").click()
    page.goto("/admin/audit")
    width = page.locator("main").bounding_box()["width"]
    assert width > 1200  # the window's width, not the 60rem (960 px) card
    breaking = page.evaluate(
        """[...document.querySelectorAll("main *")]
             .filter(e => getComputedStyle(e).wordBreak === "break-all").length"""
    )
    assert breaking == 0
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_screen(page)


def test_an_admin_creates_a_user_then_makes_them_an_administrator(admin_page, live_app):
    page = admin_page
    page.goto("/admin/users")
    page.get_by_role("textbox", name="Email address").fill("grace@example.com")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("Created grace@example.com: the address is verified.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("grace@example.com")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Make grace@example.com an administrator", exact=True).click()
    expect(page.get_by_text("This user is now an administrator.")).to_be_visible()
    remove = page.get_by_role("button", name="Remove admin rights from grace@example.com")
    expect(remove).to_be_visible()
    with live_app.app_context():
        admins = db.session.scalars(select(User).where(User.is_admin)).all()
        assert sorted(user.primary_email for user in admins) == [
            "admin@example.com",
            "grace@example.com",
        ]
    assert fits_the_screen(page)
