"""The profile in Chromium: an address verified from another device turns "verified" in the
waiting tab by itself; revoking a session signs that other browser out."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

USER_URL = re.compile(r"/user$")
SIGN_IN_URL = re.compile(r"/sign-in(\?|$)")


def sign_up(page: Page, mailbox, email: str) -> Page:
    """Sign up in this browser through the real loop (the link opened in a second tab)."""
    page.goto("/sign-up")
    page.fill("#email_address", email)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/sign-up/sua_"))
    tab = page.context.new_page()
    tab.goto(mailbox.link(email))
    expect(tab).to_have_url(USER_URL)
    tab.close()
    page.goto("/user")
    return page


def sign_in(page: Page, mailbox, email: str) -> Page:
    page.goto("/sign-in")
    page.fill("#email_address", email)
    page.click("button[type=submit]")
    tab = page.context.new_page()
    tab.goto(mailbox.link(email))
    expect(tab).to_have_url(USER_URL)
    tab.close()
    page.goto("/user")
    return page


def test_an_address_verified_on_another_device_turns_verified_by_itself(new_device, mailbox):
    """Add an address, open its link on a phone: the first tab says "Verified" without reload."""
    laptop = sign_up(new_device(), mailbox, "ada@example.com")
    laptop.fill("#email_address", "work@example.com")
    laptop.get_by_role("button", name="Send verification link").click()
    expect(laptop).to_have_url(re.compile(r"/user/email-addresses/idn_"))
    expect(laptop.locator("#waiting")).to_have_attribute("data-state", "waiting")

    phone = new_device()
    phone.goto(mailbox.link("work@example.com"))
    expect(phone.get_by_role("heading", name="Approve this email verification?")).to_be_visible()
    phone.get_by_role("button", name="Yes, it was me: approve").click()
    expect(phone.get_by_role("heading", name="Email address verified")).to_be_visible()

    expect(laptop.locator("#waiting")).to_have_attribute("data-state", "verified")
    expect(laptop.locator("#verified")).to_be_visible()
    laptop.get_by_role("link", name="Back to your account").click()
    row = laptop.locator('tr[data-address="work@example.com"]')
    expect(row.locator(".badge.ok")).to_have_text("verified")
    phone.goto("/user")
    expect(phone).to_have_url(SIGN_IN_URL)  # verifying signs nobody in


def test_revoking_a_session_signs_the_other_browser_out(new_device, mailbox):
    """Sign out one other browser from the sessions list; it is signed out on its next request."""
    laptop = sign_up(new_device(), mailbox, "ada@example.com")
    phone = sign_in(new_device(), mailbox, "ada@example.com")
    expect(phone.locator("#signed-in-as")).to_be_visible()

    laptop.reload()
    rows = laptop.locator("tr[data-session]")
    expect(rows).to_have_count(2)
    other = laptop.locator("tr[data-session]", has_not_text="this browser")
    laptop.once("dialog", lambda dialog: dialog.accept())
    other.get_by_role("button", name="Sign out").click()
    expect(laptop.get_by_text("That browser is signed out.")).to_be_visible()
    expect(laptop.locator("tr[data-session]")).to_have_count(1)

    phone.goto("/user")
    expect(phone).to_have_url(SIGN_IN_URL)
    laptop.goto("/user")
    expect(laptop).to_have_url(USER_URL)
